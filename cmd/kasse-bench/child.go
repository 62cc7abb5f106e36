package main

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"

	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"github.com/kasse-pos/kasse/app/checkout"
	"github.com/kasse-pos/kasse/app/station"
	"github.com/kasse-pos/kasse/ui"
)

// painted notes each time the window paints a tiny raster laid over the
// till's screen: the painter calls a raster's generator when it draws the
// raster after a refresh, which is the end of that frame.
type painted struct {
	times chan time.Time
}

func (p *painted) generate(w, h int) image.Image {
	select {
	case p.times <- time.Now():
	default:
	}
	return image.NewNRGBA(image.Rect(0, 0, 1, 1))
}

// runChild is the till as `kasse -config` starts it, plus the marker, and
// then the measurements, printed as "name value" lines.
func runChild(cfgPath string) error {
	cfg, err := station.Load(cfgPath)
	if err != nil {
		return err
	}
	st, err := station.Start(context.Background(), cfg, station.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer st.Close()
	a := fyneapp.NewWithID("no.kasse.bench")
	w := a.NewWindow(cfg.Shop.Name + " — Kasse")
	w.Resize(fyne.NewSize(1280, 800))
	ui.Create(a, w, st.Till, ui.Options{Title: cfg.Shop.Name, BackOffice: &ui.BackOffice{Office: st.Office, Shop: cfg.Shop}})
	p := &painted{times: make(chan time.Time, 1)}
	marker := canvas.NewRaster(p.generate)
	marker.Resize(fyne.NewSize(1, 1))
	w.SetContent(container.NewStack(w.Content(), container.NewWithoutLayout(marker)))
	var failed error
	go func() {
		if path := os.Getenv("KASSE_BENCH_SHOT"); path != "" {
			// A picture of the screen with the large catalog, to look at
			// (ImageMagick's import: GL's own capture is blank under Xvfb).
			time.Sleep(2 * time.Second)
			if err := exec.Command("import", "-window", "root", path).Run(); err != nil {
				slog.Warn("no screenshot", "err", err)
			}
		}
		failed = measure(st.Till, marker, p)
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	return failed
}

func measure(till *checkout.Till, marker *canvas.Raster, p *painted) error {
	first := <-p.times
	fmt.Println("frame", first.UnixNano())
	time.Sleep(3 * time.Second) // idle, as a till between customers
	fmt.Println("rss", rssKB())
	fmt.Println("uss", ussKB())
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Println("gosys", ms.Sys/1024) // of the RSS, what Go holds; the rest is GL, fonts and C

	// KASSE_BENCH_CPUPROFILE profiles the taps below, to see where they go.
	if path := os.Getenv("KASSE_BENCH_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	// A line added: the frame after the till's change and the screen's
	// redraw (two hops through the main loop, so the redraw queued by the
	// till's listener runs first).
	lines := make(chan int, 16)
	off := till.OnChange(func() {
		select {
		case lines <- len(till.View().Lines):
		default:
		}
	})
	defer off()
	// Ten products spread over the catalog.
	all := till.Catalog().All()
	var ids []string
	for i := range 10 {
		ids = append(ids, all[(i*7919)%len(all)].ID)
	}
	for i, id := range ids {
		drain(lines)
		drain(p.times)
		start := time.Now()
		fyne.Do(func() { _ = till.AddProduct(id) })
		for n := range lines {
			if n >= min(i+1, len(all)) {
				break
			}
		}
		fyne.Do(func() { fyne.Do(marker.Refresh) })
		end := <-p.times
		fmt.Println("tap", end.Sub(start).Nanoseconds())
		time.Sleep(150 * time.Millisecond)
	}

	// Pay as its button does, on the main loop; the parent's proxy notes
	// when createPayment arrives.
	for range 5 {
		if err := till.SetCustomer("91234567"); err != nil {
			return err
		}
		if !till.View().CanPay {
			return fmt.Errorf("pay is off: %+v", till.View().Status)
		}
		time.Sleep(150 * time.Millisecond)
		fmt.Println("pay", time.Now().UnixNano())
		fyne.Do(func() { _ = till.Pay() })
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		v, err := till.WaitFor(ctx, func(v checkout.View) bool { return v.Phase == checkout.PhaseDone })
		cancel()
		if err != nil {
			return fmt.Errorf("the payment did not end: %s %s", v.Phase, v.Message)
		}
		time.Sleep(300 * time.Millisecond)
		fyne.DoAndWait(till.NewSale)
		time.Sleep(300 * time.Millisecond)
		for _, id := range ids[:3] {
			fyne.DoAndWait(func() { _ = till.AddProduct(id) })
		}
	}
	return nil
}

func drain[T any](c chan T) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// ussKB is the part of the resident memory that is this process's alone
// (Private_Clean + Private_Dirty), in kB: RSS less the pages of shared
// libraries, such as software GL's libLLVM, that other processes map too.
func ussKB() int {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0
	}
	total := 0
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && (f[0] == "Private_Clean:" || f[0] == "Private_Dirty:") {
			n, _ := strconv.Atoi(f[1])
			total += n
		}
	}
	return total
}

// rssKB is this process's resident memory in kB.
func rssKB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}
