using System.Diagnostics;
using Reb.Core.Models;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Path traversal while a published model was verified: the manifest's file names (bank.coreFile and the others) were
/// joined to the upload folder and read before any name check, so /dev/zero grew a buffer towards 2 GB per request
/// and any other path was an existence and size oracle. Now every name is checked first and nothing outside the
/// upload's folder is opened; a refused publish claims nothing.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class Finding01_PublishPathTraversalTests(GatewayFixture gateway)
{
    public static TheoryData<string> OutsideNames()
        => new() { "/dev/zero", "../x", "/etc/hostname", "../../model-a/core.f32" };

    [Theory]
    [MemberData(nameof(OutsideNames))]
    public async Task A_manifest_naming_a_file_outside_the_upload_is_refused_by_name_and_claims_nothing(string name)
    {
        var line = "sec-f01-" + Guid.NewGuid().ToString("N")[..8];
        // Listed among the files (with the real core set's size and hash) and used as the core set.
        var dir = TamperedModels.Make(gateway, m => m with
        {
            Bank = m.Bank with { CoreFile = name },
            Files = m.Files.With(name, m.Files[ModelDirectory.CoreFile]),
        });
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-f01", Roles.Engineer));
        using var r = await engineer.PostAsync($"api/lines/{line}/versions", TamperedModels.Form(dir));
        var detail = await r.AssertProblem(400);
        Assert.Contains($"bank.coreFile '{Shown(name)}' is not a plain file name", detail);
        Assert.Null(await TamperedModels.OwnerAsync(gateway, line));
    }

    [Fact]
    public async Task A_core_file_field_outside_the_model_that_the_file_list_does_not_hold_is_refused_by_name()
    {
        var line = "sec-f01-field-" + Guid.NewGuid().ToString("N")[..8];
        var dir =
            TamperedModels.Make(gateway, m => m with { Bank = m.Bank with { DensityFile = "/proc/self/environ" } });
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-f01", Roles.Engineer));
        using var r = await engineer.PostAsync($"api/lines/{line}/versions", TamperedModels.Form(dir));
        var detail = await r.AssertProblem(400);
        Assert.Contains($"bank.densityFile '{Shown("/proc/self/environ")}' is not a plain file name", detail);
        Assert.Null(await TamperedModels.OwnerAsync(gateway, line));
    }

    [Fact]
    public async Task An_existing_file_and_a_missing_one_outside_the_upload_get_the_same_answer_no_size_oracle()
    {
        var existing = Path.Combine(gateway.Work, "model-a", ModelDirectory.DensityFile); // a real file of the silo
        var missing = Path.Combine(gateway.Work, "no-such-" + Guid.NewGuid().ToString("N"));
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-f01", Roles.Engineer));
        var details = new List<string>();
        foreach (var path in new[] { existing, missing })
        {
            // The core set's entry (a consistent shape) on a file of another size: before the fix the answer said how
            // many bytes the file has, or that it is missing.
            var dir = TamperedModels.Make(gateway, m => m with
            {
                Bank = m.Bank with { CoreFile = path },
                Files = m.Files.With(path, m.Files[ModelDirectory.CoreFile]),
            });
            using var r = await engineer.PostAsync($"api/lines/sec-f01-oracle/versions", TamperedModels.Form(dir));
            details.Add((await r.AssertProblem(400)).Replace(path, "[path]"));
        }
        Assert.Equal(details[0], details[1]);
        Assert.DoesNotContain(new FileInfo(existing).Length.ToString(), details[0]);
        Assert.Null(await TamperedModels.OwnerAsync(gateway, "sec-f01-oracle"));
    }

    [Fact]
    public async Task A_named_pipe_outside_the_upload_is_never_opened()
    {
        if (!OperatingSystem.IsLinux()) return; // mkfifo: the CI and the silos' images are Linux
        // Opening a FIFO for reading blocks until a writer comes: a server that opens it never answers.
        var fifo = Path.Combine(gateway.Work, "fifo-" + Guid.NewGuid().ToString("N")[..8]);
        using (var mk = Process.Start("mkfifo", fifo)) await mk.WaitForExitAsync();
        Assert.True(File.Exists(fifo));
        var dir = TamperedModels.Make(gateway, m => m with
        {
            Bank = m.Bank with { CoreFile = fifo },
            Files = m.Files.With(fifo, m.Files[ModelDirectory.CoreFile]),
        });
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-f01", Roles.Engineer));
        engineer.Timeout = TimeSpan.FromSeconds(20);
        using var r = await engineer.PostAsync("api/lines/sec-f01-fifo/versions", TamperedModels.Form(dir));
        Assert.Contains($"bank.coreFile '{Shown(fifo)}' is not a plain file name", await r.AssertProblem(400));
    }

    /// <summary>How an error body shows a name: absolute paths as "[path]" (no server path leaves in an
    /// error).</summary>
    private static string Shown(string name) => name.StartsWith('/') ? "[path]" : name;
}
