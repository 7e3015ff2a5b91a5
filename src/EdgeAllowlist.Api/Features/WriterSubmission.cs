using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;
using FluentValidation.Results;

namespace EdgeAllowlist.Api.Features;

static class WriterSubmission
{
    /// <summary>Hands a change to the writer as the calling token; a refusal becomes a problem-details response naming the field.</summary>
    public static async Task<WriteOutcome> SubmitOrRejectAsync(this IValidationErrors endpoint, StoreWriter writer, HttpContext context, MutationPlan plan, CancellationToken ct)
    {
        try
        {
            return await writer.SubmitAsync(context.ToActor(), plan, ct);
        }
        catch (MutationRejectedException e)
        {
            endpoint.ThrowError(new ValidationFailure(e.Field, e.Message), e.StatusCode);
            throw;
        }
    }
}
