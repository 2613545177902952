namespace BlueGreen.Orleans.Demo;

internal sealed record DemoOptions(int Proxies, int Clients)
{
    public const string Service = "web";
    public const string RouteKey = "web.local";

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Proxies is < 1 or > 20)
        {
            errors.Add("--proxies must be between 1 and 20.");
        }

        if (Clients is < 1 or > 500)
        {
            errors.Add("--clients must be between 1 and 500.");
        }

        return errors;
    }
}
