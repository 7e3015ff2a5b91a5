using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("EdgeAllowlist.Cli.Tests")]
