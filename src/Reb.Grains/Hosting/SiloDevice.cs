using static TorchSharp.torch;

namespace Reb.Grains.Hosting;

/// <summary>The device this silo's tensors run on ("Reb:Device", resolved at start-up).</summary>
public sealed record SiloDevice(Device Device);
