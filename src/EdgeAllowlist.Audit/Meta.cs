using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("EdgeAllowlist.Api.Tests")]
[assembly: InternalsVisibleTo("EdgeAllowlist.Cli.Tests")]
