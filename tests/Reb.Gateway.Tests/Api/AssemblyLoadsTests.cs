namespace Reb.Gateway.Tests.Api;

public class AssemblyLoadsTests
{
    [Fact]
    public void Gateway_assembly_is_named_for_its_namespace() =>
        Assert.Equal("Reb.Gateway", typeof(Reb.Gateway.GatewayAssembly).Assembly.GetName().Name);
}
