using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Integration;

/// <summary>
/// One real stage: blue and green echo processes, one haproxy routing <c>web.local</c> to <c>web_blue</c>, a runtime
/// client and an HTTP client through the frontend. Everything is stopped by PID on dispose, also when a test fails.
/// </summary>
internal sealed class Stage : IAsyncDisposable
{
    public const string Host = "web.local";
    public const string Service = "web";

    private Stage(EchoInstance blue, EchoInstance green, HaProxyInstance proxy)
    {
        Blue = blue;
        Green = green;
        Proxy = proxy;
        Client = proxy.CreateClient();
        Http = new FrontendClient(proxy.FrontendUrl);
    }

    public EchoInstance Blue { get; }

    public EchoInstance Green { get; }

    public HaProxyInstance Proxy { get; }

    public HaProxyRuntimeClient Client { get; }

    public FrontendClient Http { get; }

    public static string BlueBackend => Colour.Blue.Backend(Service);

    public static string GreenBackend => Colour.Green.Backend(Service);

    public static async Task<Stage> StartAsync(TimeSpan? blueDelay = null, bool unixSocket = false)
    {
        var owned = new List<IAsyncDisposable>();
        try
        {
            var blueTask = EchoInstance.StartAsync("blue", "1", delay: blueDelay);
            var greenTask = EchoInstance.StartAsync("green", "2");
            await Task.WhenAll(blueTask.ContinueWith(_ => { }, TaskScheduler.Default), greenTask.ContinueWith(_ => { }, TaskScheduler.Default));
            if (blueTask.IsCompletedSuccessfully)
            {
                owned.Add(blueTask.Result);
            }

            if (greenTask.IsCompletedSuccessfully)
            {
                owned.Add(greenTask.Result);
            }

            var (blue, green) = (await blueTask, await greenTask);
            var service = new ServiceBackends
            {
                Name = Service,
                Blue = [blue.AsServer("s1")],
                Green = [green.AsServer("s1")],
                Check = TestChecks.Fast with { Rise = 1 },
            };
            var proxy = await HaProxyInstance.StartAsync([service], new Dictionary<string, string> { [Host] = BlueBackend }, unixSocket);
            var stage = new Stage(blue, green, proxy);
            await stage.WaitUntilUpAsync(BlueBackend);
            await stage.WaitUntilUpAsync(GreenBackend);
            return stage;
        }
        catch
        {
            foreach (var item in owned)
            {
                await item.DisposeAsync();
            }

            throw;
        }
    }

    public async Task<StatRow> ServerAsync(string backend)
    {
        var stats = await Client.ShowStatAsync();
        return Assert.Single(stats, r => r.ProxyName == backend && r.ServiceName == "s1");
    }

    public Task<StatRow> WaitUntilUpAsync(string backend) =>
        Eventually.UntilAsync(() => ServerAsync(backend), r => r.IsUp, TimeSpan.FromSeconds(10), $"{backend}/s1 UP");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Client.DisposeAsync();
        await Proxy.DisposeAsync();
        await Blue.DisposeAsync();
        await Green.DisposeAsync();
    }
}
