namespace BlueGreen.Orleans.Gateway.Web;

/// <summary>One file of the web view, read once from the Gateway assembly.</summary>
internal sealed record WebAsset(string Path, string ContentType, byte[] Content);
