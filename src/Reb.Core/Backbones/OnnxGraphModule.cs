using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Backbones;

/// <summary>
/// A trainable TorchSharp port of a CNN given as an ONNX graph. Every Conv and BatchNormalization node becomes a
/// submodule named after the node (sanitised), so <c>state_dict()</c>, <c>save</c>/<c>load</c>,
/// <c>train()</c>/<c>eval()</c>
/// and optimizers work as for any torch module. <see cref="Forward"/> returns any named intermediate values and
/// runs only the nodes they depend on, releasing intermediates as soon as no remaining node needs them.
/// Not thread-safe (like any torch module).
/// </summary>
public sealed class OnnxGraphModule : nn.Module<Tensor, Tensor>
{
    private readonly List<OnnxGraphStep> _steps = new();
    private readonly Dictionary<string, int> _producerOfValue = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _valueOfNodeName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ExecutionPlan> _plans = new(StringComparer.Ordinal);
    private readonly List<string> _moduleNameOfStep = new();
    private readonly string _inputName;
    private readonly string[] _graphOutputs;
    private IReadOnlyList<string> _lastExecuted = Array.Empty<string>();
    // A field so RegisterComponents() registers it as the "constants" submodule (only when the graph has data
    // constants).
    private OnnxConstants? constants;

    /// <summary>Builds the module from a parsed ONNX model.</summary>
    /// <param name="model">The ONNX model; its initializers are copied, the model is not kept.</param>
    /// <param name="batchNormMomentum">Running-statistics momentum of every BatchNorm2d in torch's convention
    /// (new = (1 - m) * old + m * batch). Torch's default 0.1, as a torchvision backbone would be fine-tuned.</param>
    /// <param name="name">Module name.</param>
    /// <exception cref="NotSupportedException">A node uses an op or a feature this port does not run (names the node
    /// and op).</exception>
    public OnnxGraphModule(ModelProto model, double batchNormMomentum = 0.1, string name = "OnnxGraph") : base(name)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph ?? throw new InvalidDataException("The ONNX model has no graph.");
        var initializers = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var t in graph.Initializer) initializers[t.Name] = t;

        var dataInputs = graph.Input.Select(i => i.Name).Where(n => !initializers.ContainsKey(n)).ToArray();
        if (dataInputs.Length != 1)
            throw new NotSupportedException($"The ONNX graph has {dataInputs.Length} data inputs " +
                $"({string.Join(", ", dataInputs)}); exactly one image input is supported.");
        _inputName = dataInputs[0];
        _graphOutputs = graph.Output.Select(o => o.Name).ToArray();
        if (_graphOutputs.Length == 0) throw new InvalidDataException("The ONNX graph declares no output.");

        try
        {
            const string constantsName = "constants";
            var names = new OnnxNames(new[] { constantsName });
            var factory = new OnnxOpFactory(initializers, batchNormMomentum, register_module);
            var sorted = TopologicalOrder(graph.Node, initializers.Keys.Append(_inputName));
            for (int i = 0; i < sorted.Count; i++)
            {
                var node = sorted[i];
                var fallback = $"{node.OpType}_{i}";
                var stepName = string.IsNullOrEmpty(node.Name) ? fallback : node.Name;
                var moduleName = names.Unique(node.Name, fallback);
                var step = factory.Create(node, stepName, moduleName);
                _moduleNameOfStep.Add(moduleName);
                _producerOfValue[step.Output] = _steps.Count;
                _valueOfNodeName.TryAdd(stepName, step.Output);
                _steps.Add(step);
            }

            foreach (var input in _steps.SelectMany(s => s.Inputs).Where(initializers.ContainsKey).Distinct())
            {
                constants ??= new OnnxConstants();
                constants.Add(input, names.Unique(input, "constant"),
                    OnnxTensorReader.ToFloatTensor(initializers[input]));
            }

            foreach (var output in _graphOutputs)
                if (!_producerOfValue.ContainsKey(output) && output != _inputName)
                    throw new InvalidDataException($"The ONNX graph output '{output}' is produced by no node.");
            RegisterComponents();
        }
        catch
        {
            // Free the weights already copied into submodules before reporting the problem.
            Dispose();
            throw;
        }
    }

    /// <summary>Reads an ONNX file and builds the module.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist (names the path).</exception>
    public static OnnxGraphModule FromFile(string onnxPath, double batchNormMomentum = 0.1)
    {
        if (!File.Exists(onnxPath))
            throw new FileNotFoundException($"ONNX model file not found: '{onnxPath}'.", onnxPath);
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath)); }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"'{onnxPath}' is not a readable ONNX model: {e.Message}", e);
        }
        return new OnnxGraphModule(model, batchNormMomentum, Path.GetFileNameWithoutExtension(onnxPath));
    }

    /// <summary>Name of the graph's image input.</summary>
    public string InputName => _inputName;

    /// <summary>The graph's declared outputs (what <see cref="forward"/> returns is the first).</summary>
    public IReadOnlyList<string> GraphOutputs => _graphOutputs;

    /// <summary>Node names in execution (topological) order.</summary>
    public IReadOnlyList<string> NodeNames => _steps.Select(s => s.NodeName).ToArray();

    /// <summary>
    /// The weight-owning submodules (Conv, BatchNorm) of the nodes that run after the node producing
    /// <paramref name="name"/>, in execution order. For a chain of stages such as a ResNet (every stage's output feeds
    /// only the next stage) this is "everything downstream of that stage", which is how an adaptation recipe keeps the
    /// stem and the first stages fixed. Null <paramref name="name"/>: every such submodule.
    /// </summary>
    public IReadOnlyList<(string Name, nn.Module Module)> WeightModulesAfter(string? name)
    {
        int first = 0;
        if (name is not null && _producerOfValue.TryGetValue(ResolveValueName(name), out var producer))
            first = producer + 1;
        var children = named_children().ToDictionary(c => c.name, c => c.module, StringComparer.Ordinal);
        var result = new List<(string, nn.Module)>();
        for (int i = first; i < _steps.Count; i++)
            if (children.TryGetValue(_moduleNameOfStep[i], out var module)) result.Add((_moduleNameOfStep[i], module));
        return result;
    }

    /// <summary>Node names the last <see cref="Forward"/> call ran, in order (to check that unneeded nodes were
    /// skipped).</summary>
    public IReadOnlyList<string> LastExecutedNodes => _lastExecuted;

    /// <summary>
    /// Maps a node name (e.g. "ReLU315") or a value name (e.g. "ReLU315_Output_0") to the value name it denotes.
    /// </summary>
    /// <exception cref="ArgumentException">The name is neither.</exception>
    public string ResolveValueName(string name)
    {
        if (name == _inputName || _producerOfValue.ContainsKey(name)) return name;
        if (_valueOfNodeName.TryGetValue(name, out var value)) return value;
        throw new ArgumentException(
            $"'{name}' is neither a node name nor a value name of the ONNX graph (nodes are e.g. " +
            $"{string.Join(", ", _steps.Take(3).Select(s => s.NodeName))}, ..., {_steps[^1].NodeName}).",
            nameof(name));
    }

    /// <summary>Runs the graph up to the requested values and returns them, keyed by the names asked for.</summary>
    /// <param name="input">Input batch, already preprocessed for this network; not disposed.</param>
    /// <param name="outputs">Node or value names (see <see cref="ResolveValueName"/>).</param>
    /// <returns>New tensors the caller owns (and disposes).</returns>
    public IReadOnlyDictionary<string, Tensor> Forward(Tensor input, IEnumerable<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputs);
        var requested = outputs.Distinct().ToArray();
        if (requested.Length == 0) throw new ArgumentException("Ask for at least one output.", nameof(outputs));
        var valueOf = requested.ToDictionary(n => n, ResolveValueName);
        var plan = PlanFor(valueOf.Values);

        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [_inputName] = input };
        var executed = new List<string>(plan.Steps.Length);
        try
        {
            for (int p = 0; p < plan.Steps.Length; p++)
            {
                var step = _steps[plan.Steps[p]];
                var args = new Tensor[step.Inputs.Count];
                for (int i = 0; i < args.Length; i++)
                    args[i] = values.TryGetValue(step.Inputs[i], out var t) ? t : constants!.Get(step.Inputs[i]);
                values[step.Output] = step.Run(args);
                executed.Add(step.NodeName);
                foreach (var dead in plan.ReleaseAfter[p])
                {
                    values[dead].Dispose();
                    values.Remove(dead);
                }
            }
        }
        catch
        {
            foreach (var (valueName, t) in values) if (valueName != _inputName) t.Dispose();
            throw;
        }
        _lastExecuted = executed;

        // Each value is handed out once as itself; repeats (and the input) get an alias so every entry is disposable.
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var handedOut = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in requested)
        {
            var value = valueOf[name];
            var t = values[value];
            result[name] = value == _inputName || !handedOut.Add(value) ? t.alias() : t;
        }
        return result;
    }

    /// <summary>Runs the whole graph and returns its first declared output.</summary>
    public override Tensor forward(Tensor input) => Forward(input, new[] { _graphOutputs[0] })[_graphOutputs[0]];

    /// <summary>Which steps a set of wanted values needs, and after which step each intermediate can be
    /// freed.</summary>
    private sealed record ExecutionPlan(int[] Steps, string[][] ReleaseAfter);

    private ExecutionPlan PlanFor(IEnumerable<string> wantedValues)
    {
        var wanted = new HashSet<string>(wantedValues, StringComparer.Ordinal);
        var key = string.Join("\n", wanted.Order(StringComparer.Ordinal));
        if (_plans.TryGetValue(key, out var cached)) return cached;

        // Only ancestors of the wanted values run: asking for layer3 never touches layer4.
        var needed = new HashSet<int>();
        var stack = new Stack<string>(wanted);
        while (stack.Count > 0)
            if (_producerOfValue.TryGetValue(stack.Pop(), out var s) && needed.Add(s))
                foreach (var input in _steps[s].Inputs) stack.Push(input);
        var order = needed.Order().ToArray();

        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int p = 0; p < order.Length; p++)
            foreach (var input in _steps[order[p]].Inputs)
                if (_producerOfValue.ContainsKey(input)) lastUse[input] = p;
        var release = new List<string>[order.Length];
        for (int p = 0; p < order.Length; p++) release[p] = new List<string>();
        foreach (var (value, p) in lastUse)
            if (!wanted.Contains(value)) release[p].Add(value);

        var plan = new ExecutionPlan(order, release.Select(r => r.ToArray()).ToArray());
        _plans[key] = plan;
        return plan;
    }

    private static List<NodeProto> TopologicalOrder(IEnumerable<NodeProto> nodes, IEnumerable<string> available)
    {
        // ONNX requires nodes sorted already; this keeps that order and only reorders a graph that is not.
        var known = new HashSet<string>(available, StringComparer.Ordinal) { "" };
        var pending = nodes.ToList();
        var sorted = new List<NodeProto>(pending.Count);
        while (pending.Count > 0)
        {
            int ready = pending.FindIndex(n => n.Input.All(known.Contains));
            if (ready < 0)
            {
                var stuck = pending[0];
                var missing = stuck.Input.First(i => !known.Contains(i));
                throw new InvalidDataException(
                    $"ONNX node '{stuck.Name}' (op {stuck.OpType}) reads '{missing}', which no node, input or " +
                    "initializer provides (or the graph has a cycle).");
            }
            var node = pending[ready];
            pending.RemoveAt(ready);
            sorted.Add(node);
            foreach (var o in node.Output) known.Add(o);
        }
        return sorted;
    }
}
