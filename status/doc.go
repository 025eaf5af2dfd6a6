// Package status implements credential status checks for Open Badges 3.0:
// the W3C Bitstring Status List v1.0
// (https://www.w3.org/TR/vc-bitstring-status-list/), its predecessor
// StatusList2021 (https://www.w3.org/TR/2023/WD-vc-status-list-20230427/),
// and 1EdTech's deprecated 1EdTechRevocationList status method
// (https://www.imsglobal.org/spec/ob/v3p0/#revocation-list).
//
// The package does no I/O. A verifier parses the credential's
// credentialStatus with [ParseEntry], fetches and verifies the list credential
// named by [Entry.ListURL] elsewhere, parses it with [ParseListCredential] and
// asks [Check]. A list that cannot be fetched is not "not revoked": the
// caller reports that check as indeterminate.
//
// An issuer allocates an index with [RandomIndex] (random positions give
// herd privacy, Bitstring Status List §6.1), flips bits in a [Bitstring] and
// publishes the unsigned document from [NewListCredential] after signing it.
//
// Bit order follows the specification (§3.2, §4.1): index 0 is the most
// significant bit of the first byte of the uncompressed bitstring.
package status
