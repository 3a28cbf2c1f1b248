namespace Reb.Gateway;

/// <summary>Marker for the gateway assembly (endpoint registration lives beside it).</summary>
public static class GatewayAssembly;
