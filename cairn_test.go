package cairn_test

import (
	"net/url"
	"testing"

	"github.com/cairn-badges/cairn"
)

func TestRoleCan(t *testing.T) {
	all := []cairn.Action{cairn.ActionRead, cairn.ActionIssue, cairn.ActionRevoke, cairn.ActionManageAchievements,
		cairn.ActionManageIssuers, cairn.ActionManageMembers, cairn.ActionManageAPIKeys, cairn.ActionManageOrganization, cairn.ActionManageWebhooks}
	allowed := map[cairn.Role]map[cairn.Action]bool{
		cairn.RoleOwner: {cairn.ActionRead: true, cairn.ActionIssue: true, cairn.ActionRevoke: true,
			cairn.ActionManageAchievements: true, cairn.ActionManageIssuers: true, cairn.ActionManageMembers: true,
			cairn.ActionManageAPIKeys: true, cairn.ActionManageOrganization: true, cairn.ActionManageWebhooks: true},
		cairn.RoleIssuer: {cairn.ActionRead: true, cairn.ActionIssue: true, cairn.ActionRevoke: true,
			cairn.ActionManageAchievements: true},
		cairn.RoleViewer: {cairn.ActionRead: true},
		"":               {},
		"admin":          {},
	}
	for role, want := range allowed {
		for _, a := range append(all, "delete-everything") {
			if got := role.Can(a); got != want[a] {
				t.Errorf("Role(%q).Can(%q) = %v, want %v", role, a, got, want[a])
			}
		}
		if role.Valid() != (len(want) > 0) {
			t.Errorf("Role(%q).Valid() = %v", role, role.Valid())
		}
	}
}

func TestIssuerDID(t *testing.T) {
	tests := []struct{ base, want string }{
		{"https://badges.example.edu", "did:web:badges.example.edu:issuers:abc"},
		{"https://badges.example.edu/", "did:web:badges.example.edu:issuers:abc"},
		{"http://127.0.0.1:8080", "did:web:127.0.0.1%3A8080:issuers:abc"},
		{"https://example.edu/cairn/", "did:web:example.edu:cairn:issuers:abc"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.base)
		if err != nil {
			t.Fatal(err)
		}
		if got := (&cairn.Issuer{ID: "abc"}).DID(u); got != tt.want {
			t.Errorf("DID(%s) = %s, want %s", tt.base, got, tt.want)
		}
	}
}

func TestStatusListBit(t *testing.T) {
	l := &cairn.StatusList{Size: 16, Bits: []byte{0x80, 0x01}}
	for i, want := range map[int]bool{0: true, 1: false, 7: false, 8: false, 15: true, 16: false, -1: false} {
		if got := l.Bit(i); got != want {
			t.Errorf("Bit(%d) = %v, want %v", i, got, want)
		}
	}
}

func TestAwardStateValid(t *testing.T) {
	for s, want := range map[cairn.AwardState]bool{cairn.StateActive: true, cairn.StateRevoked: true,
		cairn.StateSuspended: true, "": false, "expired": false} {
		if s.Valid() != want {
			t.Errorf("AwardState(%q).Valid() = %v", s, !want)
		}
	}
}
