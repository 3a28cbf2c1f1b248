namespace Reb.Cluster.Tests.Deployment;

/// <summary>
/// infra/Dockerfile.silo against the solution (this CI has no container engine to build it). It could not build: it did
/// not copy src/Reb.Gateway (which Reb.Silo references), ran on the plain .NET runtime (no ASP.NET Core), did not
/// expose 8080, published every platform's native libraries and installed no fonts.
/// </summary>
public class DockerfileTests
{
    private const string SiloProject = "src/Reb.Silo/Reb.Silo.csproj";
    private static readonly Dockerfile File =
        Dockerfile.Parse(Path.Combine(ProjectGraph.RepositoryRoot, "infra", "Dockerfile.silo"));

    [Fact]
    public void Project_graph_closure_includes_the_gateway()
    {
        var closure = ProjectGraph.Closure(SiloProject);
        Assert.Contains("src/Reb.Gateway/Reb.Gateway.csproj", closure);
        Assert.Contains("src/Reb.Core/Reb.Core.csproj", closure);
        Assert.True(closure.Count >= 5, string.Join(", ", closure));
    }

    [Fact]
    public void Every_project_reb_silo_references_is_copied_before_restore_and_with_its_sources_before_publish()
    {
        var copies = File.ContextCopies().ToList();
        var restore = Assert.Single(File.Of("RUN"), r => r.Arguments.Contains("dotnet restore"));
        var publish = Assert.Single(File.Of("RUN"), r => r.Arguments.Contains("dotnet publish"));
        foreach (var project in ProjectGraph.Closure(SiloProject))
        {
            var folder = Path.GetDirectoryName(project)!.Replace('\\', '/') + "/";
            Assert.True(
                copies.Any(c => c.At.Line < restore.Line && c.Sources.Contains(project) && c.Destination == folder),
                $"{project} is not copied to {folder} before `dotnet restore` (line {restore.Line})");
            Assert.True(
                copies.Any(c => c.At.Line < publish.Line && c.Sources.Contains(folder) && c.Destination == folder),
                $"the sources of {folder} are not copied before `dotnet publish` (line {publish.Line})");
            foreach (var import in ProjectGraph.RepoImports(project))
                Assert.True(copies.Any(c => c.At.Line < restore.Line
                    && c.Sources.Any(s => import.StartsWith(s, StringComparison.Ordinal) || s == import)),
                    $"{project} imports {import}, which the Dockerfile does not copy before restore");
        }
        foreach (var shared in new[] { "Directory.Build.props", "Directory.Packages.props", "build/" })
            Assert.True(copies.Any(c => c.At.Line < restore.Line && c.Sources.Contains(shared)),
                $"{shared} is not copied before restore");
    }

    [Fact]
    public void Publishes_the_silo_for_linux_x64_only_framework_dependent()
    {
        var restore = Assert.Single(File.Of("RUN"), r => r.Arguments.Contains("dotnet restore"));
        var publish = Assert.Single(File.Of("RUN"), r => r.Arguments.Contains("dotnet publish"));
        Assert.Contains(SiloProject, publish.Arguments);
        Assert.Contains("-r linux-x64", restore.Arguments);
        Assert.Contains("-r linux-x64", publish.Arguments);
        Assert.Contains("--self-contained false", publish.Arguments); // the aspnet base image carries the runtime
        Assert.Contains("-c Release", publish.Arguments);
    }

    [Fact]
    public void Runs_on_the_aspnet_runtime_image_of_the_same_version_as_the_sdk()
    {
        var froms = File.Of("FROM").ToList();
        var sdk = Assert.Single(froms, f => f.Arguments.StartsWith("mcr.microsoft.com/dotnet/sdk:"));
        var final = froms.Single(f => f.Stage == File.FinalStage);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", final.Arguments);
        // same .NET version and distribution (see the native fix)
        Assert.Equal(Tag(sdk.Arguments), Tag(final.Arguments));
        var framework =
            System.Xml.Linq.XDocument.Load(Path.Combine(ProjectGraph.RepositoryRoot, "Directory.Build.props"))
            .Descendants("TargetFramework").Single().Value; // net10.0
        Assert.StartsWith(framework["net".Length..], Tag(final.Arguments));
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"Reb.Silo.dll\"]",
            File.Of("ENTRYPOINT").Select(e => "ENTRYPOINT " + e.Arguments));
        Assert.Contains(File.Of("USER"), u => u.Stage == File.FinalStage); // non-root
    }

    [Fact]
    public void Installs_a_font_the_overlay_captions_find()
    {
        var install = File.Of("RUN").Where(r => r.Stage == File.FinalStage && r.Arguments.Contains("apt-get install"))
            .ToList();
        Assert.NotEmpty(install);
        Assert.Contains(install, r => r.Arguments.Contains("fontconfig"));
        // fonts-dejavu-core ships /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf, the first path Fonts.cs tries.
        Assert.Contains(install, r => r.Arguments.Contains("fonts-dejavu-core"));
        var fonts = System.IO.File.ReadAllText(Path.Combine(ProjectGraph.RepositoryRoot, "src", "Reb.Core", "Imaging",
            "Fonts.cs"));
        Assert.Contains("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", fonts);
    }

    [Fact]
    public void Exposes_the_http_silo_and_gateway_ports_the_silo_options_default_to()
    {
        var exposed = File.Of("EXPOSE").Where(e => e.Stage == File.FinalStage)
            .SelectMany(e => e.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => int.Parse(p.Split('/')[0])).ToHashSet();
        var silo = new global::Reb.Silo.SiloHostOptions();
        var gateway = new global::Reb.Gateway.GatewayOptions();
        Assert.Contains(gateway.HttpPort, exposed);
        Assert.Contains(silo.SiloPort, exposed);
        Assert.Contains(silo.GatewayPort, exposed);
    }

    private static string Tag(string image) => image.Split(' ')[0].Split(':')[1];
}
