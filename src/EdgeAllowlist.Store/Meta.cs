using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("EdgeAllowlist.Store.Tests")]
