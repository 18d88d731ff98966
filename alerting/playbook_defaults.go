package alerting

import "time"

// Default playbook names. gmv_drop is the playbook of the default level-3
// rule (gmv_down_30pct_week_on_week); the others are there to be linked to
// a rule raised to level 3 (e.g. suspected fake orders on a shop that must
// not be caught brushing, or a budget rule).
const (
	PlaybookGMVDrop        = "gmv_drop"
	PlaybookFakeOrders     = "fake_order_ring"
	PlaybookBudgetOverrun  = "budget_overspend"
	defaultPlaybookVersion = 1
)

func hours(h int) Offset { return Offset{time.Duration(h) * time.Hour} }

// DefaultPlaybooks are the emergency playbooks Daiyun ships (issue 6,
// PRODUCT.md E7), written from how an agency handles these emergencies.
// They are installed once, marked as defaults and edited like any other.
func DefaultPlaybooks() []Playbook {
	ps := []Playbook{
		{Name: PlaybookGMVDrop, Title: "GMV collapse (week on week)",
			Description: "A shop's GMV fell more than 30% against the week before: find out whether it is the data, the shop or the market, tell the client, and write it up.",
			Steps: []Step{
				{Title: "Check data freshness and completeness", Owner: OwnerAnalyst, Due: hours(1),
					Instructions: "Open the data-health page of the shop: are the last days imported, is anything in quarantine, do orders and traffic agree? A missing import is not a collapse."},
				{Title: "Check listings, prices and stock", Owner: OwnerSpecialist, Due: hours(2),
					Instructions: "Top SKUs: still listed, not penalised, price not changed by mistake, in stock? Compare with the week before."},
				{Title: "Check ad accounts and traffic sources", Owner: OwnerSpecialist, Due: hours(2),
					Instructions: "Ad accounts funded and campaigns running? Which traffic source fell? Any platform rule change or competitor promotion?"},
				{Title: "Call the client", Owner: OwnerLead, Due: hours(4),
					Instructions: "Tell the client what happened, what was found so far and what is being done; agree the next update."},
				{Title: "Write the incident summary", Owner: OwnerExpert, Due: Offset{24 * time.Hour},
					Instructions: "Cause, actions, what prevents a repeat; it becomes the alert's post-mortem."},
			}},
		{Name: PlaybookFakeOrders, Title: "Fake-order ring (刷单)",
			Description: "Many orders from a few devices: stop the exposure before the platform penalises the shop.",
			Steps: []Step{
				{Title: "List the suspect orders and devices", Owner: OwnerAnalyst, Due: hours(2),
					Instructions: "From the alert's rows: devices with 5 or more orders, their orders, buyers and addresses."},
				{Title: "Hold shipment of the suspect orders", Owner: OwnerSpecialist, Due: hours(4),
					Instructions: "Do not ship or confirm them until checked; note the order numbers."},
				{Title: "Check with the client whether any promotion explains them", Owner: OwnerLead, Due: hours(8)},
				{Title: "Decide: cancel and report to the platform, or clear", Owner: OwnerDirector, Due: Offset{24 * time.Hour}},
				{Title: "Write the incident summary", Owner: OwnerExpert, Due: Offset{48 * time.Hour}},
			}},
		{Name: PlaybookBudgetOverrun, Title: "Marketing budget overspend",
			Description: "Ad spend runs more than 20% over the contract's budget: stop the bleed and agree with the client.",
			Steps: []Step{
				{Title: "Find the campaigns over budget", Owner: OwnerAnalyst, Due: hours(2)},
				{Title: "Cap or pause them", Owner: OwnerSpecialist, Due: hours(4),
					Instructions: "Lower daily caps or pause the campaigns with the worst ROAS first."},
				{Title: "Agree the budget with the client", Owner: OwnerClientManager, Due: Offset{24 * time.Hour},
					Instructions: "The client confirms a new budget or the cut."},
				{Title: "Review the overspend with the director", Owner: OwnerDirector, Due: Offset{72 * time.Hour}},
			}},
	}
	for i := range ps {
		ps[i].Default, ps[i].Version = true, defaultPlaybookVersion
		if err := ps[i].Validate(); err != nil {
			panic("alerting: default playbook: " + err.Error())
		}
	}
	return ps
}
