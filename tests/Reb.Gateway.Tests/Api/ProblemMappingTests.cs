using Reb.Abstractions.Contracts;
using Reb.Core.Imaging;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Tests.Api;

/// <summary>Which status each kind of failure gets (the HTTP tests cover the ones a live gateway can be made to
/// raise).</summary>
public sealed class ProblemMappingTests
{
    [Fact]
    public void Transient_cluster_failures_are_503_with_Retry_After()
    {
        foreach (var e in new Exception[] { new TimeoutException("silo gone"), new OrleansException("no gateway"),
                     new Reb.Storage.ArtefactStoreUnavailableException("store down") })
        {
            var (status, _, detail, retryAfter) = ProblemDetailsMapping.Map(e);
            Assert.Equal(503, status);
            Assert.NotNull(retryAfter);
            Assert.DoesNotContain(e.Message, detail); // internal messages stay in the log
        }
    }

    [Fact]
    public void Domain_errors_keep_their_message_and_unknown_errors_do_not()
    {
        Assert.Equal(404, ProblemDetailsMapping.Map(
            new ModelVersionException("line 'x': version 'v' is not registered (register it first)")).Status);
        Assert.Equal(409,
            ProblemDetailsMapping.Map(new ModelVersionException("line 'x' has no current model version")).Status);
        var image = ProblemDetailsMapping.Map(new ImageLoadException("a.png", "the file is truncated"));
        Assert.Equal(400, image.Status);
        Assert.Contains("truncated", image.Detail);
        var unknown = ProblemDetailsMapping.Map(new NullReferenceException("secret internals"));
        Assert.Equal(500, unknown.Status);
        Assert.DoesNotContain("secret", unknown.Detail);
        Assert.Null(unknown.RetryAfter);
    }
}
