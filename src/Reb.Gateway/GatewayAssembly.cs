namespace Reb.Gateway;

/// <summary>Marker for the gateway assembly (endpoint registration lives in
/// Reb.Gateway.Hosting.GatewayServiceCollectionExtensions).</summary>
public static class GatewayAssembly;
