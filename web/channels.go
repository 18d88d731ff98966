package web

import (
	"context"
	"html/template"
	"net/http"
	"strconv"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/alerting/notify"
	"github.com/danielgtaylor/huma/v2"
)

// Notification channels (PRODUCT.md E6, issue 6): webhook channels (generic
// JSON, WeCom, DingTalk with its signing secret, Feishu, Slack) and the
// agency's SMTP settings, managed over /api/v1/alert-channels,
// /api/v1/alert-smtp and the /alerts/channels page. URLs, secrets and the
// SMTP password are write-only: answers carry the host and fingerprints.
// "Send test" goes through the real sender and returns its delivery-log
// entry. The catalog decides access: staff see the channels of their
// clients (the agency's only when they see every client); admins and
// directors manage the agency's channels and the SMTP settings; client
// users see nothing.

func init() {
	pages["alert_channels"] = template.Must(template.New("alert_channels").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/alert_channels.html"))
}

// notifier is the dispatcher test sends go through.
func (s *Server) notifier() *notify.Dispatcher {
	if s.Notifier != nil {
		return s.Notifier
	}
	return &notify.Dispatcher{Store: s.Catalog, BaseURL: s.BaseURL, Logger: s.Logger}
}

// channelIn is a new webhook channel.
type channelIn struct {
	ClientID int64  `json:"client_id,omitempty" doc:"the client whose alerts go there; 0 or absent: every alert of the agency (admin or director)"`
	Name     string `json:"name" minLength:"1" maxLength:"100"`
	Kind     string `json:"kind" enum:"webhook,wecom,dingtalk,feishu,slack"`
	URL      string `json:"url" doc:"the webhook or robot URL (write-only)"`
	Secret   string `json:"secret,omitempty" doc:"DingTalk signing secret (加签), write-only"`
	MinLevel int    `json:"min_level,omitempty" minimum:"0" maximum:"3" doc:"only alerts of this level or higher (budget colours always)"`
	Lang     string `json:"lang,omitempty" enum:"zh-CN,en,"`
}

// testOut is the delivery-log entry of a test send.
type testOut struct {
	Delivery alerting.Delivery `json:"delivery"`
}

// smtpIn is the agency's SMTP settings.
type smtpIn struct {
	Addr          string `json:"addr" doc:"host:port"`
	From          string `json:"from"`
	Username      string `json:"username,omitempty"`
	Password      string `json:"password,omitempty" doc:"write-only; empty keeps the stored one"`
	ClearPassword bool   `json:"clear_password,omitempty"`
}

func (s *Server) registerChannels() {
	api := s.api
	huma.Register(api, op("list-alert-channels", http.MethodGet, "/api/v1/alert-channels", "Webhook channels you may see, without URLs or secrets (staff)", "alerts"),
		func(ctx context.Context, _ *struct{}) (*body[[]alerting.ChannelView], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			cs, err := s.Catalog.AlertChannels(ctx, 0)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			out := []alerting.ChannelView{}
			for _, c := range cs {
				out = append(out, c.View())
			}
			return &body[[]alerting.ChannelView]{out}, nil
		})
	huma.Register(api, op("add-alert-channel", http.MethodPost, "/api/v1/alert-channels", "Add a webhook channel (the agency's: admin or director; a client's: its staff)", "alerts"),
		func(ctx context.Context, in *body[channelIn]) (*body[alerting.ChannelView], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			b := in.Body
			c := alerting.Channel{ClientID: b.ClientID, Name: b.Name, Kind: b.Kind, URL: b.URL, Secret: b.Secret, MinLevel: b.MinLevel, Lang: b.Lang}
			if err := s.Catalog.PutAlertChannel(ctx, &c); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alerting.ChannelView]{c.View()}, nil
		})
	huma.Register(api, op("test-alert-channel", http.MethodPost, "/api/v1/alert-channels/{id}/test", "Send a test message through the channel and return its delivery-log entry", "alerts"),
		func(ctx context.Context, in *idPath) (*body[testOut], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			d, err := s.testChannel(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[testOut]{testOut{d}}, nil
		})
	type disableIn struct {
		ID   int64 `path:"id"`
		Body struct {
			Disabled bool `json:"disabled"`
		}
	}
	huma.Register(api, op("disable-alert-channel", http.MethodPost, "/api/v1/alert-channels/{id}/disable", "Switch a channel off (disabled: true) or on again", "alerts"),
		func(ctx context.Context, in *disableIn) (*body[alerting.ChannelView], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			c, err := s.Catalog.SetAlertChannelDisabled(ctx, in.ID, in.Body.Disabled)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alerting.ChannelView]{c.View()}, nil
		})
	huma.Register(api, op("delete-alert-channel", http.MethodDelete, "/api/v1/alert-channels/{id}", "Delete a channel", "alerts"),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			return nil, s.failOrNil(ctx, s.Catalog.DeleteAlertChannel(ctx, in.ID))
		})
	huma.Register(api, op("get-alert-smtp", http.MethodGet, "/api/v1/alert-smtp", "The SMTP settings alert e-mail goes through, password as a fingerprint (admin or director)", "alerts"),
		func(ctx context.Context, _ *struct{}) (*body[alerting.SMTPSettings], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			st, err := s.smtpSettings(ctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alerting.SMTPSettings]{st}, nil
		})
	huma.Register(api, op("put-alert-smtp", http.MethodPut, "/api/v1/alert-smtp", "Store the agency's SMTP settings; they replace the environment's (admin or director)", "alerts"),
		func(ctx context.Context, in *body[smtpIn]) (*body[alerting.SMTPSettings], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			b := in.Body
			st, err := s.Catalog.PutSMTPSettings(ctx, alerting.SMTPSettings{Addr: b.Addr, From: b.From, Username: b.Username, Password: b.Password}, b.ClearPassword)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alerting.SMTPSettings]{st}, nil
		})
	type mailTestIn struct {
		Body struct {
			To string `json:"to" doc:"address the test goes to" format:"email"`
		}
	}
	huma.Register(api, op("test-alert-smtp", http.MethodPost, "/api/v1/alert-smtp/test", "E-mail a test message through the SMTP settings and return its delivery-log entry (admin or director)", "alerts"),
		func(ctx context.Context, in *mailTestIn) (*body[testOut], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			d, err := s.testMail(ctx, in.Body.To)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[testOut]{testOut{d}}, nil
		})

	s.page("GET /alerts/channels", s.requireLogin(s.channelsPage))
	s.page("POST /alerts/channels", s.requireLogin(s.channelsAction))
}

// testChannel sends a test message to a channel the actor may manage and
// logs it.
func (s *Server) testChannel(ctx context.Context, id int64) (alerting.Delivery, error) {
	c, err := s.Catalog.AlertChannel(ctx, id)
	if err != nil {
		return alerting.Delivery{}, err
	}
	if c.ClientID == 0 && !daiyun.ActorFrom(ctx).AllClients() {
		return alerting.Delivery{}, daiyun.Errorf(daiyun.EFORBIDDEN, "only an admin or director may test the agency's channels")
	}
	return s.Catalog.RecordTestDelivery(ctx, s.notifier().SendTest(ctx, c))
}

// testMail e-mails a test message (admins and directors) and logs it.
func (s *Server) testMail(ctx context.Context, to string) (alerting.Delivery, error) {
	if _, err := s.smtpSettings(ctx); err != nil {
		return alerting.Delivery{}, err
	}
	if to == "" {
		return alerting.Delivery{}, daiyun.Errorf(daiyun.EINVALID, "to: an address is required")
	}
	lang := "zh-CN"
	if u, ok := userFrom(ctx); ok {
		lang = u.Lang
	}
	return s.Catalog.RecordTestDelivery(ctx, s.notifier().SendTestMail(ctx, to, lang))
}

// smtpSettings is what alert e-mail goes through: the stored settings, or
// the environment's (the dispatcher's) marked as such.
func (s *Server) smtpSettings(ctx context.Context) (alerting.SMTPSettings, error) {
	st, found, err := s.Catalog.SMTPSettings(ctx)
	if err != nil || found {
		return st, err
	}
	if env := s.notifier().SMTP; env.Addr != "" {
		return alerting.SMTPSettings{Addr: env.Addr, From: env.From, Username: env.Username,
			PasswordFingerprint: alerting.Fingerprint(env.Password), Source: "environment"}, nil
	}
	return st, nil
}

// channelsPageData is the channels page.
type channelsPageData struct {
	Channels   []alerting.ChannelView
	Deliveries map[int64][]alerting.Delivery
	Clients    map[int64]string
	SMTP       *alerting.SMTPSettings
	MailLog    []alerting.Delivery
	Kinds      []string
	Tested     *alerting.Delivery
	Error      string
	CanAgency  bool
}

func (s *Server) channelsPageData(ctx context.Context) (channelsPageData, error) {
	d := channelsPageData{Deliveries: map[int64][]alerting.Delivery{}, Clients: map[int64]string{}, Kinds: alerting.ChannelKinds,
		CanAgency: daiyun.ActorFrom(ctx).AllClients()}
	cs, err := s.Catalog.AlertChannels(ctx, 0)
	if err != nil {
		return d, err
	}
	for _, c := range cs {
		d.Channels = append(d.Channels, c.View())
		if d.Deliveries[c.ID], err = s.Catalog.ChannelDeliveries(ctx, c, 5); err != nil {
			return d, err
		}
	}
	clients, err := s.Catalog.Clients(ctx)
	if err != nil {
		return d, err
	}
	for _, c := range clients {
		d.Clients[c.ID] = c.Name
	}
	if d.CanAgency {
		st, err := s.smtpSettings(ctx)
		if err != nil {
			return d, err
		}
		d.SMTP = &st
		if d.MailLog, err = s.Catalog.SMTPDeliveries(ctx, 10); err != nil {
			return d, err
		}
	}
	return d, nil
}

func (s *Server) channelsPage(w http.ResponseWriter, r *http.Request) {
	if !daiyun.ActorFrom(r.Context()).IsStaff() {
		s.uiError(w, r, daiyun.Errorf(daiyun.EFORBIDDEN, "only agency staff manage notification channels"))
		return
	}
	d, err := s.channelsPageData(r.Context())
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "alert_channels", "ch_title", d)
}

// channelsAction handles the page's forms (action = add, test, disable,
// enable, delete, smtp, smtp_test) and shows the page again with the
// outcome: a test shows its delivery-log entry, a refused input its
// message.
func (s *Server) channelsAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !daiyun.ActorFrom(ctx).IsStaff() {
		s.uiError(w, r, daiyun.Errorf(daiyun.EFORBIDDEN, "only agency staff manage notification channels"))
		return
	}
	id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	var tested *alerting.Delivery
	var err error
	switch r.PostFormValue("action") {
	case "add":
		c := alerting.Channel{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), URL: r.PostFormValue("url"),
			Secret: r.PostFormValue("secret"), Lang: r.PostFormValue("lang")}
		c.ClientID, _ = strconv.ParseInt(r.PostFormValue("client_id"), 10, 64)
		c.MinLevel, _ = strconv.Atoi(r.PostFormValue("min_level"))
		err = s.Catalog.PutAlertChannel(ctx, &c)
	case "test":
		var d alerting.Delivery
		if d, err = s.testChannel(ctx, id); err == nil {
			tested = &d
		}
	case "disable", "enable":
		_, err = s.Catalog.SetAlertChannelDisabled(ctx, id, r.PostFormValue("action") == "disable")
	case "delete":
		err = s.Catalog.DeleteAlertChannel(ctx, id)
	case "smtp":
		_, err = s.Catalog.PutSMTPSettings(ctx, alerting.SMTPSettings{Addr: r.PostFormValue("addr"), From: r.PostFormValue("from"),
			Username: r.PostFormValue("username"), Password: r.PostFormValue("password")}, r.PostFormValue("clear_password") == "on")
	case "smtp_test":
		var d alerting.Delivery
		if d, err = s.testMail(ctx, r.PostFormValue("to")); err == nil {
			tested = &d
		}
	default:
		err = daiyun.Errorf(daiyun.EINVALID, "action %q is not one of add, test, disable, enable, delete, smtp, smtp_test", r.PostFormValue("action"))
	}
	code := daiyun.ErrorCode(err)
	if err != nil && code != daiyun.EINVALID && code != daiyun.ECONFLICT && code != daiyun.EFORBIDDEN {
		s.uiError(w, r, err)
		return
	}
	if err == nil && tested == nil {
		http.Redirect(w, r, "/alerts/channels", http.StatusSeeOther)
		return
	}
	d, derr := s.channelsPageData(ctx)
	if derr != nil {
		s.uiError(w, r, derr)
		return
	}
	d.Tested = tested
	st := http.StatusOK
	if err != nil {
		d.Error, st = daiyun.ErrorMessage(err), status(code)
	}
	s.render(w, r, st, "alert_channels", "ch_title", d)
}
