using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("EdgeAllowlist.Store.Tests")]
[assembly: InternalsVisibleTo("EdgeAllowlist.Store.CrashWriter")]
