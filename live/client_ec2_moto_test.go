package live_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/scalite/scalite/internal/mototest"
)

// startMoto runs moto_server on 127.0.0.1 (internal/mototest) and returns
// an EC2 client for it.
func startMoto(t testing.TB) *ec2.Client {
	t.Helper()
	return ec2.New(ec2.Options{Region: mototest.Region, BaseEndpoint: aws.String(mototest.Start(t)), Credentials: mototest.Credentials()})
}

// launchTemplate creates the template Fleet launches from.
func launchTemplate(t testing.TB, c *ec2.Client, name string) {
	t.Helper()
	ctx := context.Background()
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("moto has no images: %v", err)
	}
	_, err = c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(name),
		LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: imgs.Images[0].ImageId}})
	if err != nil {
		t.Fatal(err)
	}
}
