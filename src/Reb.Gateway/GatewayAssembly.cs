namespace Reb.Gateway;

/// <summary>Marker for the gateway assembly (endpoint registration lives in <see cref="GatewayServiceCollectionExtensions"/>).</summary>
public static class GatewayAssembly;
