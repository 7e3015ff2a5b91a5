global using System.Data.Common;
global using EdgeAllowlist.Api.Infrastructure.Database;
global using EdgeAllowlist.Store;
global using FastEndpoints;
global using FluentValidation;
using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("EdgeAllowlist.Api.Tests")]
