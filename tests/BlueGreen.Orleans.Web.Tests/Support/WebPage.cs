using Microsoft.Playwright;

namespace BlueGreen.Orleans.Web.Tests.Support;

/// <summary>One browser tab on the web view, with every console error and failed page script it showed.</summary>
public sealed class WebPage : IAsyncDisposable
{
    private readonly List<string> _errors = [];

    public WebPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            // A refused API call is logged by chromium as a failed resource: expected where a test is refused.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                lock (_errors)
                {
                    _errors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add(error);
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>Script errors and CSP violations the page reported.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    public async Task SignInAsync(string token)
    {
        await Page.Locator("#token").FillAsync(token);
        await Page.Locator("#sign-in-button").ClickAsync();
    }

    /// <summary>
    /// Waits until an action has taken the page to a deployment's page; if the page says it failed instead, or nothing
    /// happens in a minute, the test fails with what the page shows (its message, whether the dialog is still open and
    /// what the version field holds) and a screenshot, not with a bare timeout.
    /// </summary>
    public async Task WaitForDeploymentPageAsync()
    {
        const string There = "/#\\/services\\/[a-z0-9-]+\\/deployments\\/[0-9]+$/.test(location.hash)";
        try
        {
            await Page.WaitForFunctionAsync($"() => {There} || document.getElementById('message').className === 'error'", null, new() { Timeout = 60_000 });
        }
        catch (TimeoutException)
        {
        }

        if (!await Page.EvaluateAsync<bool>($"() => {There}"))
        {
            var shown = await Page.EvaluateAsync<string>("() => `url ${location.href}; message '${document.getElementById('message').textContent}'; dialog open: ${document.getElementById('confirm').open}; version field '${document.getElementById('version').value}'; focus on ${document.activeElement?.id}`");
            await ScreenshotAsync("failed-action.png");
            throw new Xunit.Sdk.XunitException($"The page did not go to the deployment: {shown}; errors: {string.Join(" | ", Errors)}");
        }
    }

    /// <summary>Saves a screenshot under TestResults/web/ (never a tracked file).</summary>
    public async Task ScreenshotAsync(string name)
    {
        var folder = Path.Combine(BlueGreen.Orleans.Harness.Repository.Root, "TestResults", "web");
        Directory.CreateDirectory(folder);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
