namespace BlueGreen.Orleans.Harness;

/// <summary>Polls a condition of a real system until it holds or a deadline passes (then throws, naming what was awaited).</summary>
public static class Eventually
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        do
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            await Task.Delay(25);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Waited {timeout.TotalSeconds:0.#} s for {what}; last seen: {last}");
    }
}
