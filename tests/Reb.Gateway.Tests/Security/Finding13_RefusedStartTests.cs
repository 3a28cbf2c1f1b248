using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// A training start refused at the site's job limit still changed the line's shard count (set before the start),
/// without an audit entry. The race (another start between the gateway's look at the running jobs and the site
/// grain's own check) is made certain here: the look is answered "none running" once, by a grain call filter.
/// </summary>
public sealed class Finding13_RefusedStartTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-finding13-start-").FullName;

    /// <summary>Answers the next <see cref="ISiteTrainingGrain.Running"/> with no jobs, without asking the
    /// grain.</summary>
    private sealed class RaceAtTheLook : Orleans.IIncomingGrainCallFilter
    {
        public volatile bool Armed;

        public Task Invoke(Orleans.IIncomingGrainCallContext context)
        {
            if (Armed && context.MethodName == nameof(ISiteTrainingGrain.Running))
            {
                Armed = false;
                context.Result = (IReadOnlyList<string>)[];
                return Task.CompletedTask;
            }
            return context.Invoke();
        }
    }

    [Fact]
    public async Task A_start_refused_at_the_job_limit_leaves_the_shard_count_as_it_was()
    {
        var race = new RaceAtTheLook();
        var admin = DurableGateway.NewAdminKey();
        var settings = DurableGateway.Settings(_work, admin);
        settings["Reb:Gateway:MaxRunningJobsPerSite"] = "1";
        await using var gateway =
            await DurableGateway.Start(settings, b => b.Services.AddSingleton<Orleans.IIncomingGrainCallFilter>(race));
        using var adminClient = gateway.Client(admin);
        using var created =
            await adminClient.PostAsync("api/keys", SecurityHelpers.Json("{\"name\":\"eng\",\"role\":\"engineer\"}"));
        using var engineer = gateway.Client((await created.ReadJson()).GetProperty("key").GetString()!);
        var images = Directory.GetFiles(Path.Combine(GatewayFixture.RepositoryRoot(), "samples/deeppcb/train/good"),
            "*.png").Order().Take(2);
        MultipartFormDataContent Upload(int shards)
        {
            var form = new MultipartFormDataContent();
            foreach (var path in images)
                form.Add(Http.Image(File.ReadAllBytes(path)), "images", Path.GetFileName(path));
            form.Add(new StringContent("32"), "imageSize");
            form.Add(new StringContent("false"), "promote");
            form.Add(new StringContent(shards.ToString()), "shards");
            return form;
        }
        const string running = "f13-running", refused = "f13-refused";
        try
        {
            using (var r = await engineer.PostAsync($"api/lines/{running}/training", Upload(1)))
                Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
            race.Armed = true;
            using (var r = await engineer.PostAsync($"api/lines/{refused}/training", Upload(7)))
                await r.AssertProblem(429);
            Assert.Equal(1, (await gateway.Grains.GetGrain<IProductLineGrain>(refused).GetStatus()).Shards);
            Assert.DoesNotContain(await gateway.Grains.GetGrain<ILineOperationsGrain>(refused).GetAudit(100),
                a => a.Action == "shards");
        }
        finally
        {
            foreach (var job in (await gateway.Grains.GetGrain<IProductLineGrain>(running).GetStatus()).Jobs)
                await gateway.Grains.GetGrain<ITrainingGrain>(job).Cancel();
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
