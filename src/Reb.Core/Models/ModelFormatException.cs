namespace Reb.Core.Models;

/// <summary>A model directory is missing, incomplete, corrupt (checksum) or of an unknown format. The message says
/// which file and why.</summary>
public sealed class ModelFormatException(string message, Exception? inner = null) : Exception(message, inner);
