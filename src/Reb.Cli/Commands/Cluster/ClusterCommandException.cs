namespace Reb.Cli.Commands.Cluster;

/// <summary>A cluster command cannot do what was asked (unknown line, no version, cluster unreachable): one line, exit
/// code 2.</summary>
public sealed class ClusterCommandException(string message, Exception? inner = null) : Exception(message, inner);
