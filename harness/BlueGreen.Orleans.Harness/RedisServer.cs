using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using StackExchange.Redis;

namespace BlueGreen.Orleans.Harness;

/// <summary>A real redis-server on 127.0.0.1 and a free port, without persistence unless asked, stopped by PID.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>
    /// <paramref name="password"/>: <c>requirepass</c>. <paramref name="tls"/>: TLS only (no cleartext port), with that
    /// certificate and key, and client certificates required from that CA (<c>tls-auth-clients yes</c>, the default).
    /// <paramref name="settings"/>: more redis-server arguments after these (a later <c>--appendonly</c> wins), e.g.
    /// <c>--appendonly yes --dir FOLDER</c> for persistence.
    /// </summary>
    public static async Task<RedisServer> StartAsync(string? password = null, (string Certificate, string Key, string Ca)? tls = null, IEnumerable<string>? settings = null)
    {
        var port = Loopback.FreePort();
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--daemonize", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (tls is { } files)
        {
            foreach (var argument in new[] { "--port", "0", "--tls-port", portText, "--tls-cert-file", files.Certificate, "--tls-key-file", files.Key, "--tls-ca-cert-file", files.Ca })
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.ArgumentList.Add("--port");
            start.ArgumentList.Add(portText);
        }

        if (password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(password);
        }

        foreach (var argument in settings ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server.");
        TrackedProcesses.Track(process);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return new RedisServer(process, port);
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        await TrackedProcesses.StopAsync(process);
        throw new TimeoutException($"redis-server did not listen on {port} within 10 s.");
    }

    /// <summary>FLUSHALL: every key of every database gone, as after a restart of a Redis that does not persist.</summary>
    public async Task FlushAllAsync()
    {
        var options = ConfigurationOptions.Parse(ConnectionString);
        options.AllowAdmin = true;
        using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        await redis.GetServer(redis.GetEndPoints()[0]).FlushAllDatabasesAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await TrackedProcesses.StopAsync(_process);
        _process.Dispose();
    }
}
