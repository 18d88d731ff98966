package catalog

import (
	"context"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
)

// clientScope returns an SQL condition restricting col to the clients the
// actor in ctx may see. It is the catalog's isolation choke point: every
// read of client-owned rows adds it to its WHERE clause. An actor that sees
// nothing gets a condition that matches nothing.
func clientScope(ctx context.Context, col string) string {
	ids, all := daiyun.ActorFrom(ctx).VisibleClients()
	if all {
		return "1=1"
	}
	if len(ids) == 0 {
		return "1=0"
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(id, 10)
	}
	return col + " IN (" + strings.Join(list, ",") + ")"
}

// mustManage fails unless the actor may change the agency's set-up.
func mustManage(ctx context.Context) error {
	if !daiyun.ActorFrom(ctx).CanManageAgency() {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "only an agency admin may do this")
	}
	return nil
}

// mustSee fails with not-found unless the actor may see the client.
func mustSee(ctx context.Context, clientID int64) error {
	if !daiyun.ActorFrom(ctx).CanSeeClient(clientID) {
		return notFound("client", clientID)
	}
	return nil
}
