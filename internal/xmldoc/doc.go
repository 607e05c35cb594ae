// Package xmldoc reads the small XML documents that S3 requests carry
// (lifecycle configurations, tag sets) into a tree of elements, strictly
// enough that the packages which validate them can answer MalformedXML for
// anything S3's schema would refuse: a document type declaration, a second
// root, text beside child elements, or a document larger than its caller
// allows. Namespaces are dropped: S3 clients send the root with or without
// xmlns="http://s3.amazonaws.com/doc/2006-03-01/".
package xmldoc
