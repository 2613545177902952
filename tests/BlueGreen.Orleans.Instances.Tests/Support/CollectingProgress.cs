using Docker.DotNet.Models;

namespace BlueGreen.Orleans.Instances.Tests.Support;

/// <summary>
/// Build output, collected synchronously: Docker.DotNet reports a failed build only as messages (the task itself
/// succeeds), and Progress&lt;T&gt; would post them to the thread pool, possibly after the build task completed.
/// </summary>
internal sealed class CollectingProgress : IProgress<JSONMessage>
{
    private readonly List<string> _lines = [];
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_lines)
            {
                return [.. _errors];
            }
        }
    }

    public string Text
    {
        get
        {
            lock (_lines)
            {
                return string.Concat(_lines);
            }
        }
    }

    public void Report(JSONMessage value)
    {
        lock (_lines)
        {
            _lines.Add(value.Stream ?? value.Status ?? "");
            var error = value.Error?.Message ?? value.ErrorMessage;
            if (!string.IsNullOrEmpty(error))
            {
                _errors.Add(error);
            }
        }
    }
}
