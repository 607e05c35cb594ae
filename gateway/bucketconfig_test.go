package gateway

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestBucketPolicyAPI(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("pol")
	_, err := e.client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	wantErr(t, err, "NoSuchBucketPolicy", 404)
	_, err = e.client.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("pol")})
	wantErr(t, err, "NoSuchBucketPolicy", 404)
	_, err = e.client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("nopol")})
	wantErr(t, err, "NoSuchBucket", 404)

	for name, doc := range map[string]string{
		"not json":       `{"Version":`,
		"other bucket":   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`,
		"unknown action": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObjec","Resource":"arn:aws:s3:::pol/*"}]}`,
		"no principal":   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::pol/*"}]}`,
	} {
		_, err = e.client.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pol"), Policy: aws.String(doc)})
		if errCode(err) != "MalformedPolicy" || errStatus(err) != 400 {
			t.Errorf("%s: %v, want MalformedPolicy (400)", name, err)
		}
	}
	_, err = e.client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	wantErr(t, err, "NoSuchBucketPolicy", 404)

	public := `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pol/*"}]}`
	if _, err := e.client.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pol"), Policy: aws.String(public)}); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	if err != nil || aws.ToString(got.Policy) != public {
		t.Fatalf("GetBucketPolicy = %q, %v; want the document as put", aws.ToString(got.Policy), err)
	}
	st, err := e.client.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("pol")})
	if err != nil || !aws.ToBool(st.PolicyStatus.IsPublic) {
		t.Fatalf("GetBucketPolicyStatus = %+v, %v; want public", st, err)
	}
	if _, err := e.client.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("pol")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	wantErr(t, err, "NoSuchBucketPolicy", 404)
}

func TestBucketLifecycleAPI(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("lcy")
	_, err := e.client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcy")})
	wantErr(t, err, "NoSuchLifecycleConfiguration", 404)

	// Days must be positive: refused, nothing stored.
	_, err = e.client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String("lcy"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{
			ID: aws.String("bad"), Status: s3types.ExpirationStatusEnabled,
			Filter:     &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(0)},
		}}},
	})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = e.client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcy")})
	wantErr(t, err, "NoSuchLifecycleConfiguration", 404)

	// The SDK sends a CRC32 checksum and no Content-MD5.
	_, err = e.client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String("lcy"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{
			ID: aws.String("tmp"), Status: s3types.ExpirationStatusEnabled,
			Filter:     &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(3)},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcy")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rules) != 1 || aws.ToString(got.Rules[0].ID) != "tmp" || aws.ToInt32(got.Rules[0].Expiration.Days) != 3 ||
		aws.ToString(got.Rules[0].Filter.Prefix) != "tmp/" {
		t.Fatalf("rules read back: %+v", got.Rules)
	}

	// Without any integrity header S3 refuses the body.
	body := `<LifecycleConfiguration><Rule><ID>x</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`
	resp, b := e.do(e.signed("PUT", "/lcy?lifecycle", strings.NewReader(body), sha256Hex([]byte(body)), nil))
	if resp.StatusCode != 400 || xmlCode(b) != "InvalidRequest" {
		t.Fatalf("lifecycle without Content-MD5: %d %s", resp.StatusCode, b)
	}

	if _, err := e.client.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("lcy")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcy")})
	wantErr(t, err, "NoSuchLifecycleConfiguration", 404)
}
