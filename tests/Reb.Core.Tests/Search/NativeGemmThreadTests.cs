using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

/// <summary>
/// The cell search's single-threaded MKL scope runs on pool threads that later train models: it must not change the
/// libtorch thread count those threads keep (libtorch gives a thread on its first parallel op MKL's count for it).
/// </summary>
public class NativeGemmThreadTests
{
    [Fact]
    public void A_thread_first_touched_inside_the_single_threaded_scope_keeps_the_default_libtorch_count()
    {
        Assert.True(NativeGemm.IsAvailable); // its one-time probe runs libtorch ops: not on the thread under test
        int expected = OnFreshThread(() => get_num_threads());
        int seen = OnFreshThread(() =>
        {
            using (NativeGemm.SingleThreaded())
            {
                get_num_threads(); // the thread's first libtorch call, in the scope (as the cell search's blocks do)
            }
            return get_num_threads();
        });
        Assert.Equal(expected, seen);
    }

    private static int OnFreshThread(Func<int> body)
    {
        int result = -1;
        var thread = new Thread(() => result = body());
        thread.Start();
        thread.Join();
        return result;
    }
}
