package emulate

import (
	"fmt"
	"strings"
)

// ec2Err is an EC2 API error: HTTP status, code, message. Client errors
// are 400-series, server errors 500-series (EC2 API Reference, "Error
// codes for the Amazon EC2 API").
type ec2Err struct {
	status        int
	code, message string
}

func (e *ec2Err) Error() string { return e.code + ": " + e.message }

// launchError words a launch error as EC2 does for the pool and market.
// InsufficientInstanceCapacity is a server error: HTTP 500, which
// aws-sdk-go-v2's standard retryer retries (listed under "Server error
// codes" on the error codes page; RunInstances answers seen in the field,
// e.g. galaxyproject/cloudman issue 64 and nib-health-funds/hammertime
// issue 29, are "500 Internal Server Error" with this wording, the other
// zones offering the type named at the end). RequestLimitExceeded is 503
// ("Request throttling for the Amazon EC2 API"); the others are client
// errors (400).
func launchError(code, typ, az string, spot bool, count int, otherZones []string) *ec2Err {
	switch code {
	case "InsufficientInstanceCapacity":
		if spot {
			return &ec2Err{500, code, "There is no Spot capacity available that matches your request."}
		}
		msg := fmt.Sprintf("We currently do not have sufficient %s capacity in the Availability Zone you requested (%s). Our system will be working on provisioning additional capacity. You can currently get %s capacity by not specifying an Availability Zone in your request", typ, az, typ)
		if len(otherZones) > 0 {
			msg += " or choosing " + strings.Join(otherZones, ", ")
		}
		return &ec2Err{500, code, msg + "."}
	case "Unsupported":
		return &ec2Err{400, code, fmt.Sprintf("Your requested instance type (%s) is not supported in your requested Availability Zone (%s). Please retry your request by not specifying an Availability Zone or choosing another Availability Zone.", typ, az)}
	case "InstanceLimitExceeded":
		return &ec2Err{400, code, fmt.Sprintf("You have requested more instances (%d) than your current instance limit of 0 allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.", count)}
	case "VcpuLimitExceeded":
		return &ec2Err{400, code, "You have requested more vCPU capacity than your current vCPU limit of 0 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit."}
	case "InsufficientFreeAddressesInSubnet":
		return &ec2Err{400, code, fmt.Sprintf("There are not enough free addresses in subnet 'subnet-%s' to satisfy the requested number of instances.", strings.ReplaceAll(az, "-", ""))}
	case "MaxSpotInstanceCountExceeded":
		return &ec2Err{400, code, "Max spot instance count exceeded"}
	case "RequestLimitExceeded":
		return requestLimitExceeded
	}
	return &ec2Err{400, code, "Injected error " + code + "."}
}

var requestLimitExceeded = &ec2Err{503, "RequestLimitExceeded", "Request limit exceeded."}

// notFound is InvalidInstanceID.NotFound naming the IDs as EC2 does.
func notFound(ids []string) *ec2Err {
	if len(ids) == 1 {
		return &ec2Err{400, "InvalidInstanceID.NotFound", fmt.Sprintf("The instance ID '%s' does not exist", ids[0])}
	}
	return &ec2Err{400, "InvalidInstanceID.NotFound", fmt.Sprintf("The instance IDs '%s' do not exist", strings.Join(ids, ", "))}
}

func malformed(id string) *ec2Err {
	return &ec2Err{400, "InvalidInstanceID.Malformed", fmt.Sprintf("Invalid id: \"%s\" (expecting \"i-...\")", id)}
}

var idempotentMismatch = &ec2Err{400, "IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s)."}
