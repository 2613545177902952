using Microsoft.Playwright;

namespace BlueGreen.Orleans.Web.Tests.Support;

/// <summary>
/// The Debian package <c>chromium</c>, headless, driven by Playwright's driver (shipped inside the NuGet package):
/// Playwright's own browser downloads are never used. A machine without it fails the tests with what to install.
/// </summary>
public static class SystemChromium
{
    /// <summary>The chromium on PATH (Debian installs <c>/usr/bin/chromium</c>).</summary>
    public static string ExecutablePath =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "chromium"))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("No chromium on PATH: the web view's tests need the Debian package: apt-get install -y chromium (scripts/test.sh installs it).");

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // As root (CI) chromium refuses to start with its sandbox; the page it shows is our own, on loopback.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
}
