using System.Diagnostics;

namespace Reb.Cli.Commands.Load;

/// <summary>Kills one silo process midway through a run (SIGKILL: a crash, not a graceful stop).</summary>
public static class SiloKiller
{
    /// <summary>Kills <paramref name="pid"/> only if it is a running Reb.Silo process (a pid can be reused by
    /// anything).</summary>
    public static void Kill(int pid)
    {
        var cmdline = $"/proc/{pid}/cmdline";
        string command = File.Exists(cmdline) ? File.ReadAllText(cmdline).Replace('\0', ' ') : "";
        if (!command.Contains("Reb.Silo", StringComparison.Ordinal))
            throw new ArgumentException($"--silo-pid {pid}: not a running Reb.Silo process " +
                $"({(command.Length == 0 ? "no such process" : command.Trim())})");
        using var p = Process.GetProcessById(pid);
        p.Kill();
    }
}
