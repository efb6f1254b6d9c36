package emulate

import (
	"encoding/xml"
	"net/http"
)

// ec2NS is the namespace of EC2 Query API answers (API version 2016-11-15).
const ec2NS = "http://ec2.amazonaws.com/doc/2016-11-15/"

// The types below are the EC2 Query API's XML answers (EC2 API Reference,
// "Query API response structures": lists are <xxxSet><item>…</item>),
// with the elements aws-sdk-go-v2's service/ec2 deserializers read.

type ec2InstanceState struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

type ec2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type ec2StateReason struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type ec2Placement struct {
	AvailabilityZone string `xml:"availabilityZone"`
	Tenancy          string `xml:"tenancy"`
}

type ec2Monitoring struct {
	State string `xml:"state"`
}

type ec2InstanceItem struct {
	InstanceID            string           `xml:"instanceId"`
	ImageID               string           `xml:"imageId"`
	InstanceState         ec2InstanceState `xml:"instanceState"`
	PrivateDNSName        string           `xml:"privateDnsName"`
	DNSName               string           `xml:"dnsName"`
	Reason                string           `xml:"reason"`
	AmiLaunchIndex        int              `xml:"amiLaunchIndex"`
	InstanceType          string           `xml:"instanceType"`
	LaunchTime            string           `xml:"launchTime"`
	Placement             ec2Placement     `xml:"placement"`
	Monitoring            ec2Monitoring    `xml:"monitoring"`
	PrivateIPAddress      string           `xml:"privateIpAddress,omitempty"`
	ClientToken           string           `xml:"clientToken,omitempty"`
	InstanceLifecycle     string           `xml:"instanceLifecycle,omitempty"`
	SpotInstanceRequestID string           `xml:"spotInstanceRequestId,omitempty"`
	StateReason           *ec2StateReason  `xml:"stateReason,omitempty"`
	TagSet                []ec2Tag         `xml:"tagSet>item"`
}

type ec2Reservation struct {
	ReservationID string            `xml:"reservationId"`
	OwnerID       string            `xml:"ownerId"`
	Instances     []ec2InstanceItem `xml:"instancesSet>item"`
}

type runInstancesResponse struct {
	XMLName   xml.Name `xml:"RunInstancesResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	RequestID string   `xml:"requestId"`
	ec2Reservation
}

type describeInstancesResponse struct {
	XMLName      xml.Name         `xml:"DescribeInstancesResponse"`
	Xmlns        string           `xml:"xmlns,attr"`
	RequestID    string           `xml:"requestId"`
	Reservations []ec2Reservation `xml:"reservationSet>item"`
	NextToken    string           `xml:"nextToken,omitempty"`
}

type ec2StateChange struct {
	InstanceID    string           `xml:"instanceId"`
	CurrentState  ec2InstanceState `xml:"currentState"`
	PreviousState ec2InstanceState `xml:"previousState"`
}

type terminateInstancesResponse struct {
	XMLName   xml.Name         `xml:"TerminateInstancesResponse"`
	Xmlns     string           `xml:"xmlns,attr"`
	RequestID string           `xml:"requestId"`
	Changes   []ec2StateChange `xml:"instancesSet>item"`
}

type createTagsResponse struct {
	XMLName   xml.Name `xml:"CreateTagsResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	RequestID string   `xml:"requestId"`
	Return    bool     `xml:"return"`
}

type spotPriceItem struct {
	InstanceType       string `xml:"instanceType"`
	ProductDescription string `xml:"productDescription"`
	SpotPrice          string `xml:"spotPrice"`
	Timestamp          string `xml:"timestamp"`
	AvailabilityZone   string `xml:"availabilityZone"`
}

type spotPriceHistoryResponse struct {
	XMLName   xml.Name        `xml:"DescribeSpotPriceHistoryResponse"`
	Xmlns     string          `xml:"xmlns,attr"`
	RequestID string          `xml:"requestId"`
	Items     []spotPriceItem `xml:"spotPriceHistorySet>item"`
	NextToken string          `xml:"nextToken,omitempty"`
}

// ec2ErrorResponse is the error body of the EC2 Query API (EC2 API
// Reference, "Error codes for the Amazon EC2 API", example error response).
type ec2ErrorResponse struct {
	XMLName   xml.Name      `xml:"Response"`
	Errors    []ec2ErrorXML `xml:"Errors>Error"`
	RequestID string        `xml:"RequestID"`
}

type ec2ErrorXML struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

func writeEC2(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	xml.NewEncoder(w).Encode(v)
}
