namespace BlueGreen.Orleans.Instances.Tests;

public sealed class InstanceValidationTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("web-green-0")]
    [InlineData("Web_Blue.1")]
    [InlineData("0abc")]
    public void Name_Allowed_DoesNotThrow(string name) => InstanceValidation.Name(name);

    [Fact]
    public void Name_128Characters_DoesNotThrow() => InstanceValidation.Name(new string('a', 128));

    [Theory]
    [InlineData("")]
    [InlineData("-lead")]
    [InlineData(".hidden")]
    [InlineData("_under")]
    [InlineData("a/b")]
    [InlineData("../etc")]
    [InlineData("a b")]
    [InlineData("a\n")]
    [InlineData("é")]
    [InlineData("a:b")]
    public void Name_Refused_ThrowsNamingTheParameter(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => InstanceValidation.Name(name));
        Assert.Equal("name", error.ParamName);
    }

    [Fact]
    public void Name_129Characters_Throws() =>
        Assert.Throws<ArgumentException>(() => InstanceValidation.Name(new string('a', 129)));

    [Fact]
    public void Name_OfSpec_ParamNameIsTheField()
    {
        var spec = new InstanceSpec { Name = "a/b" };
        var error = Assert.Throws<ArgumentException>(() => InstanceValidation.Name(spec.Name));
        Assert.Equal("spec.Name", error.ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("A=B")]
    [InlineData("A\0")]
    public void EnvironmentVariables_BadKey_Throws(string key) =>
        Assert.Throws<ArgumentException>(() => InstanceValidation.EnvironmentVariables(new Dictionary<string, string> { [key] = "v" }));
}
