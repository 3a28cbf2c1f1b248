using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Reb.Cluster.Tests.TestSupport;

namespace Reb.Cluster.Tests.Architecture;

/// <summary>
/// Every source file under src/ compiled together by Roslyn, so that a test can ask what each name really refers to:
/// `using` lines, fully qualified names, aliases, `using static` and extension methods all resolve to the same
/// symbols. External packages are referenced from this test's output folder and the runtime; a name that still does not
/// resolve is an external one and never a Reb.* symbol, since every Reb.* type is compiled from source here.
/// </summary>
internal sealed class SourceModel
{
    private static readonly Lazy<SourceModel> Shared = new(() => new SourceModel(RepositorySources()));

    /// <summary>The repository's src/ tree, compiled once per test run.</summary>
    public static SourceModel Instance => Shared.Value;

    public CSharpCompilation Compilation { get; }

    /// <summary>Each syntax tree and the project folder under src/ it came from.</summary>
    public IReadOnlyList<(SyntaxTree Tree, string Project)> Trees { get; }

    /// <summary>Compiles the given files: (path, text, project folder).</summary>
    public SourceModel(IEnumerable<(string Path, string Text, string Project)> files)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = files.Select(f => (Tree: CSharpSyntaxTree.ParseText(f.Text, parse, f.Path), f.Project)).ToList();
        Trees = trees;
        _uses = new Lazy<IReadOnlyList<NamespaceUse>>(FindUses);
        Compilation = CSharpCompilation.Create("RebSources", trees.Select(t => t.Tree), References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable));
    }

    private static IEnumerable<(string, string, string)> RepositorySources()
    {
        var src = Path.Combine(PcbModelFixture.RepositoryRoot(), "src");
        var sep = Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{sep}obj{sep}") && !p.Contains($"{sep}bin{sep}"))
            .Select(p => (p, File.ReadAllText(p), Path.GetRelativePath(src, p).Split(sep)[0]));
    }

    private static IEnumerable<MetadataReference> References()
    {
        // The runtime's own assemblies, then the packages copied next to this test; never the Reb.* assemblies
        // (their types come from source, a second copy would make every name ambiguous).
        var tpa = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator);
        var local = Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in tpa.Concat(local))
        {
            var name = Path.GetFileName(path);
            if (path.Length == 0 || name.StartsWith("Reb.", StringComparison.Ordinal) || !seen.Add(name)) continue;
            MetadataReference? reference = null;
            try { reference = MetadataReference.CreateFromFile(path); } catch (BadImageFormatException) { }
            if (reference is not null) yield return reference;
        }
    }

    /// <summary>
    /// For every file, the Reb.* namespaces whose types or members it uses, as (from namespace, to namespace, file,
    /// the name as written). Names inside a type's own namespace are left out.
    /// </summary>
    public IReadOnlyList<NamespaceUse> NamespaceUses() => _uses.Value;

    /// <summary>Namespaces that reach each other through their uses: every strongly connected group of two or
    /// more, each with the uses that tie it together.</summary>
    public IReadOnlyList<IReadOnlyList<NamespaceUse>> Cycles()
    {
        var uses = NamespaceUses();
        var edges = uses.GroupBy(u => u.From).ToDictionary(g => g.Key, g => g.Select(u => u.To).ToHashSet());
        var reach = edges.Keys.ToDictionary(n => n, n => Reachable(n, edges));
        var groups = new List<IReadOnlyList<NamespaceUse>>();
        var done = new HashSet<string>();
        foreach (var n in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (done.Contains(n)) continue;
            var group = reach[n].Where(m => reach.TryGetValue(m, out var back) && back.Contains(n)).ToHashSet();
            if (group.Count < 2) continue;
            done.UnionWith(group);
            groups.Add(uses.Where(u => group.Contains(u.From) && group.Contains(u.To))
                .OrderBy(u => u.From, StringComparer.Ordinal).ThenBy(u => u.File, StringComparer.Ordinal).ToList());
        }
        return groups;
    }

    private static HashSet<string> Reachable(string start, Dictionary<string, HashSet<string>> edges)
    {
        var seen = new HashSet<string> { start };
        var todo = new Stack<string>([start]);
        while (todo.Count > 0)
            foreach (var m in edges.GetValueOrDefault(todo.Pop()) ?? [])
                if (seen.Add(m)) todo.Push(m);
        return seen;
    }

    private readonly Lazy<IReadOnlyList<NamespaceUse>> _uses;

    private IReadOnlyList<NamespaceUse> FindUses()
    {
        var result = new ConcurrentBag<NamespaceUse>();
        Parallel.ForEach(Trees, item =>
        {
            var model = Compilation.GetSemanticModel(item.Tree);
            var root = item.Tree.GetRoot();
            foreach (var name in root.DescendantNodes().OfType<SimpleNameSyntax>())
            {
                if (name.Parent is QualifiedNameSyntax q && q.Right != name) continue; // the rightmost part decides
                if (name.Ancestors().Any(a => a is UsingDirectiveSyntax)) continue;
                if (name.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Any(n => n.Name.Span.Contains(name.Span)))
                    continue;
                var from = EnclosingNamespace(name);
                if (from is null || !from.StartsWith("Reb.", StringComparison.Ordinal)) continue;
                var symbol = model.GetSymbolInfo(name).Symbol
                    ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
                var to = OwnerNamespace(symbol);
                if (to is null || to == from || !to.StartsWith("Reb.", StringComparison.Ordinal)) continue;
                var line = name.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                result.Add(new NamespaceUse(from, to, item.Tree.FilePath, line, name.ToString(), item.Project));
            }
        });
        return result.ToList();
    }

    private static string? EnclosingNamespace(SyntaxNode node)
    {
        var parts = node.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Reverse().Select(n => n.Name.ToString())
            .ToList();
        if (parts.Count == 0)
            parts = node.SyntaxTree.GetRoot().DescendantNodes().OfType<FileScopedNamespaceDeclarationSyntax>()
                .Select(n => n.Name.ToString()).Take(1).ToList();
        return parts.Count == 0 ? null : string.Join('.', parts);
    }

    private static string? OwnerNamespace(ISymbol? symbol)
    {
        if (symbol is null or INamespaceSymbol) return null;
        // extension method: its static class
        if (symbol is IMethodSymbol { ReducedFrom: { } reduced }) symbol = reduced;
        var type = symbol as INamedTypeSymbol ?? symbol.ContainingType;
        while (type?.ContainingType is not null) type = type.ContainingType;
        var ns = type?.ContainingNamespace;
        return ns is null || ns.IsGlobalNamespace ? null : ns.ToDisplayString();
    }
}

/// <summary>One use of a name from another Reb.* namespace.</summary>
internal sealed record NamespaceUse(string From, string To, string File, int Line, string Name, string Project)
{
    public override string ToString() => $"{From} -> {To} ({System.IO.Path.GetFileName(File)}:{Line} '{Name}')";
}
