package checkout

import (
	"context"
	"time"

	"github.com/kasse-pos/kasse/app/msisdn"
	"github.com/kasse-pos/kasse/app/scan"
)

// Scan acts on one scanned (or typed) code: a product goes into the basket, a
// customer's personal QR identifies the customer, a receipt's QR opens its
// refund (returns.go), anything else gets a plain
// message. Nothing a scanner sends can lose the sale.
func (t *Till) Scan(raw string) {
	r := t.cfg.InStore.Classify(raw, t.cfg.Market)
	switch r.Kind {
	case scan.InStore:
		t.addInStore(r.Code, *r.Embedded)
	case scan.Product:
		p, ok := t.cfg.Catalog.ByEAN(r.Code)
		if !ok {
			t.update(func(s *screen) {
				s.notice = t.tr().Msg(scan.UnknownProductMsg(r.Code))
				s.unknown = r.Code // the notice offers to add it by hand
			})
			return
		}
		if err := t.AddProduct(p.ID); err != nil {
			t.notifyErr(err)
		}
	case scan.CustomerPhone, scan.CustomerToken:
		t.mu.Lock()
		busy := !t.editable() && t.phase() != PhaseDone
		t.mu.Unlock()
		if busy {
			t.Notify(scan.MsgBusyPaying)
			return
		}
		if r.Kind == scan.CustomerPhone {
			t.identify(r.Phone, t.tr().Msg(r.Msg))
			return
		}
		t.Notify(scan.MsgNeedsExchange)
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			t.exchange(r.QR)
		}()
	case scan.ReceiptLink:
		t.scanReceipt(r.Receipt)
	default:
		t.Notify(t.tr().Msg(r.Msg))
	}
}

func (t *Till) exchange(qr string) {
	ctx, cancel := context.WithTimeout(t.ctx, 15*time.Second)
	defer cancel()
	resp, err := t.cfg.API.ExchangeQR(ctx, qr)
	if err != nil {
		t.log.Warn("personal QR exchange", "err", err)
		t.Notify(scan.MsgExchangeError)
		return
	}
	n, err := msisdn.FromMSISDN(resp.MSISDN)
	if err != nil {
		t.Notify(scan.MsgExchangeError)
		return
	}
	t.identify(n, t.tr().Msg(scan.CustomerFoundMsg(n, t.cfg.Market)))
}
