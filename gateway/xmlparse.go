package gateway

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/zones3/zones3/gateway/objectlayer"
)

// Limits of request documents, so that a client cannot make the gateway
// buffer much: a Delete of 1000 keys of 1024 bytes, or a
// CompleteMultipartUpload of 10000 parts with checksums, fit.
const (
	maxSmallXML    = 1 << 20
	maxDeleteXML   = 4 << 20
	maxCompleteXML = 4 << 20
	maxDeleteKeys  = 1000
	maxParts       = 10000
)

// parseCreateBucketConfiguration returns the LocationConstraint of a
// CreateBucket body ("" for an empty body).
func parseCreateBucketConfiguration(body []byte) (string, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return "", nil
	}
	var doc struct {
		XMLName            xml.Name `xml:"CreateBucketConfiguration"`
		LocationConstraint string   `xml:"LocationConstraint"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return "", errMalformedXML
	}
	return strings.TrimSpace(doc.LocationConstraint), nil
}

// deleteRequest is a parsed DeleteObjects body.
type deleteRequest struct {
	quiet   bool
	objects []deleteObject
}

type deleteObject struct {
	key, versionID string
}

// parseDelete parses a DeleteObjects body: 1 to 1000 <Object>s, each with
// a <Key>, and an optional <Quiet>.
func parseDelete(body []byte) (deleteRequest, error) {
	var doc struct {
		XMLName xml.Name `xml:"Delete"`
		Quiet   string   `xml:"Quiet"`
		Objects []struct {
			Key       *string `xml:"Key"`
			VersionID string  `xml:"VersionId"`
		} `xml:"Object"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return deleteRequest{}, errMalformedXML
	}
	var req deleteRequest
	switch strings.TrimSpace(doc.Quiet) {
	case "", "false":
	case "true":
		req.quiet = true
	default:
		return deleteRequest{}, errMalformedXML
	}
	if len(doc.Objects) == 0 || len(doc.Objects) > maxDeleteKeys {
		return deleteRequest{}, errMalformedXML
	}
	req.objects = make([]deleteObject, len(doc.Objects))
	for i, o := range doc.Objects {
		if o.Key == nil || *o.Key == "" {
			return deleteRequest{}, errMalformedXML
		}
		req.objects[i] = deleteObject{key: *o.Key, versionID: o.VersionID}
	}
	return req, nil
}

// parseCompleteMultipart parses a CompleteMultipartUpload body: 1 to
// 10000 parts in ascending part-number order, each with an ETag.
func parseCompleteMultipart(body []byte) ([]objectlayer.CompletePart, error) {
	var doc struct {
		XMLName xml.Name `xml:"CompleteMultipartUpload"`
		Parts   []struct {
			PartNumber        string `xml:"PartNumber"`
			ETag              string `xml:"ETag"`
			ChecksumCRC32     string `xml:"ChecksumCRC32"`
			ChecksumCRC32C    string `xml:"ChecksumCRC32C"`
			ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME"`
			ChecksumSHA1      string `xml:"ChecksumSHA1"`
			ChecksumSHA256    string `xml:"ChecksumSHA256"`
		} `xml:"Part"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, errMalformedXML
	}
	if len(doc.Parts) == 0 || len(doc.Parts) > maxParts {
		return nil, errMalformedXML
	}
	parts := make([]objectlayer.CompletePart, len(doc.Parts))
	for i, p := range doc.Parts {
		n, err := strconv.Atoi(strings.TrimSpace(p.PartNumber))
		if err != nil {
			return nil, errMalformedXML
		}
		if n < 1 || n > maxParts {
			return nil, errInvalidArgument.withMessage("Part number must be an integer between 1 and 10000, inclusive")
		}
		if i > 0 && n <= parts[i-1].PartNumber {
			return nil, errInvalidPartOrder
		}
		etag := strings.Trim(strings.TrimSpace(p.ETag), `"`)
		if etag == "" {
			return nil, errInvalidPart
		}
		cp := objectlayer.CompletePart{PartNumber: n, ETag: etag}
		for alg, v := range map[string]string{
			"CRC32": p.ChecksumCRC32, "CRC32C": p.ChecksumCRC32C, "CRC64NVME": p.ChecksumCRC64NVME,
			"SHA1": p.ChecksumSHA1, "SHA256": p.ChecksumSHA256,
		} {
			if v = strings.TrimSpace(v); v != "" {
				if cp.Checksums == nil {
					cp.Checksums = make(map[string]string, 1)
				}
				cp.Checksums[alg] = v
			}
		}
		parts[i] = cp
	}
	return parts, nil
}

// parseACLPolicy reports whether an AccessControlPolicy body grants
// exactly what zones3 enforces: FULL_CONTROL to one canonical user, the
// owner.
func parseACLPolicy(body []byte) (ownerOnly bool, err error) {
	var doc struct {
		XMLName xml.Name `xml:"AccessControlPolicy"`
		Grants  []struct {
			Grantee struct {
				Type string `xml:"type,attr"`
				ID   string `xml:"ID"`
				URI  string `xml:"URI"`
			} `xml:"Grantee"`
			Permission string `xml:"Permission"`
		} `xml:"AccessControlList>Grant"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return false, errMalformedXML
	}
	if len(doc.Grants) != 1 {
		return false, nil
	}
	g := doc.Grants[0]
	return g.Permission == "FULL_CONTROL" && g.Grantee.URI == "" && (g.Grantee.Type == "" || g.Grantee.Type == "CanonicalUser"), nil
}
