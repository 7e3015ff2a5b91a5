using System.Xml.Linq;

namespace EdgeAllowlist.Testing.Fakes;

/// <summary>A DistributionConfig as CloudFront returns it for a MediaTailor set-up, with most optional fields set so that a lost one shows.</summary>
public static class DistributionConfigs
{
    public const string OtherFunctionArn = "arn:aws:cloudfront::123456789012:function/legacy-user-agent-check";
    public const string ResponseFunctionArn = "arn:aws:cloudfront::123456789012:function/security-headers";

    public static XElement MediaTailor() => XElement.Parse("""
        <DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
          <CallerReference>terraform-20240101000000000000000001</CallerReference>
          <Aliases><Quantity>1</Quantity><Items><CNAME>video.example.com</CNAME></Items></Aliases>
          <DefaultRootObject></DefaultRootObject>
          <Origins>
            <Quantity>2</Quantity>
            <Items>
              <Origin>
                <Id>s3-templates</Id>
                <DomainName>templates-bucket.s3.us-east-1.amazonaws.com</DomainName>
                <OriginPath>/hls</OriginPath>
                <CustomHeaders><Quantity>0</Quantity></CustomHeaders>
                <S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig>
                <ConnectionAttempts>3</ConnectionAttempts>
                <ConnectionTimeout>10</ConnectionTimeout>
                <OriginAccessControlId>E2QWRUHEXAMPLE</OriginAccessControlId>
              </Origin>
              <Origin>
                <Id>mediatailor</Id>
                <DomainName>abc123.mediatailor.us-east-1.amazonaws.com</DomainName>
                <OriginPath></OriginPath>
                <CustomHeaders><Quantity>1</Quantity><Items><OriginCustomHeader><HeaderName>x-origin-verify</HeaderName><HeaderValue>not-a-secret-example</HeaderValue></OriginCustomHeader></Items></CustomHeaders>
                <CustomOriginConfig>
                  <HTTPPort>80</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>https-only</OriginProtocolPolicy>
                  <OriginSslProtocols><Quantity>1</Quantity><Items><SslProtocol>TLSv1.2</SslProtocol></Items></OriginSslProtocols>
                  <OriginReadTimeout>30</OriginReadTimeout><OriginKeepaliveTimeout>5</OriginKeepaliveTimeout>
                </CustomOriginConfig>
                <ConnectionAttempts>3</ConnectionAttempts>
                <ConnectionTimeout>10</ConnectionTimeout>
              </Origin>
            </Items>
          </Origins>
          <DefaultCacheBehavior>
            <TargetOriginId>s3-templates</TargetOriginId>
            <TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners>
            <TrustedKeyGroups><Enabled>false</Enabled><Quantity>0</Quantity></TrustedKeyGroups>
            <ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>
            <AllowedMethods><Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items>
              <CachedMethods><Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items></CachedMethods></AllowedMethods>
            <SmoothStreaming>false</SmoothStreaming>
            <Compress>true</Compress>
            <LambdaFunctionAssociations><Quantity>0</Quantity></LambdaFunctionAssociations>
            <FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation><FunctionARN>arn:aws:cloudfront::123456789012:function/security-headers</FunctionARN><EventType>viewer-response</EventType></FunctionAssociation></Items></FunctionAssociations>
            <FieldLevelEncryptionId></FieldLevelEncryptionId>
            <CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId>
          </DefaultCacheBehavior>
          <CacheBehaviors>
            <Quantity>2</Quantity>
            <Items>
              <CacheBehavior>
                <PathPattern>/v1/*</PathPattern>
                <TargetOriginId>mediatailor</TargetOriginId>
                <TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners>
                <TrustedKeyGroups><Enabled>false</Enabled><Quantity>0</Quantity></TrustedKeyGroups>
                <ViewerProtocolPolicy>https-only</ViewerProtocolPolicy>
                <AllowedMethods><Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items>
                  <CachedMethods><Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items></CachedMethods></AllowedMethods>
                <SmoothStreaming>false</SmoothStreaming>
                <Compress>false</Compress>
                <LambdaFunctionAssociations><Quantity>0</Quantity></LambdaFunctionAssociations>
                <FieldLevelEncryptionId></FieldLevelEncryptionId>
                <CachePolicyId>4135ea2d-6df8-44a3-9df3-4b5a84be39ad</CachePolicyId>
                <OriginRequestPolicyId>b689b0a8-53d0-40ab-baf2-68738e2966ac</OriginRequestPolicyId>
              </CacheBehavior>
              <CacheBehavior>
                <PathPattern>*.m3u8</PathPattern>
                <TargetOriginId>s3-templates</TargetOriginId>
                <TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners>
                <TrustedKeyGroups><Enabled>false</Enabled><Quantity>0</Quantity></TrustedKeyGroups>
                <ViewerProtocolPolicy>https-only</ViewerProtocolPolicy>
                <AllowedMethods><Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items>
                  <CachedMethods><Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items></CachedMethods></AllowedMethods>
                <SmoothStreaming>false</SmoothStreaming>
                <Compress>true</Compress>
                <LambdaFunctionAssociations><Quantity>0</Quantity></LambdaFunctionAssociations>
                <FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation><FunctionARN>arn:aws:cloudfront::123456789012:function/legacy-user-agent-check</FunctionARN><EventType>viewer-request</EventType></FunctionAssociation></Items></FunctionAssociations>
                <FieldLevelEncryptionId></FieldLevelEncryptionId>
                <CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId>
              </CacheBehavior>
            </Items>
          </CacheBehaviors>
          <CustomErrorResponses><Quantity>1</Quantity><Items><CustomErrorResponse><ErrorCode>504</ErrorCode><ResponsePagePath>/errors/504.html</ResponsePagePath><ResponseCode>504</ResponseCode><ErrorCachingMinTTL>10</ErrorCachingMinTTL></CustomErrorResponse></Items></CustomErrorResponses>
          <Comment>video.example.com (managed by Terraform)</Comment>
          <Logging><Enabled>true</Enabled><IncludeCookies>false</IncludeCookies><Bucket>logs-bucket.s3.amazonaws.com</Bucket><Prefix>cloudfront/</Prefix></Logging>
          <PriceClass>PriceClass_100</PriceClass>
          <Enabled>true</Enabled>
          <ViewerCertificate><ACMCertificateArn>arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000</ACMCertificateArn><SSLSupportMethod>sni-only</SSLSupportMethod><MinimumProtocolVersion>TLSv1.2_2021</MinimumProtocolVersion></ViewerCertificate>
          <Restrictions><GeoRestriction><RestrictionType>whitelist</RestrictionType><Quantity>2</Quantity><Items><Location>DE</Location><Location>FR</Location></Items></GeoRestriction></Restrictions>
          <WebACLId>arn:aws:wafv2:us-east-1:123456789012:global/webacl/video/00000000-0000-0000-0000-000000000000</WebACLId>
          <HttpVersion>http2and3</HttpVersion>
          <IsIPV6Enabled>true</IsIPV6Enabled>
          <Staging>false</Staging>
        </DistributionConfig>
        """);
}
