// double-send--not-gofmt: deliberately NOT gofmt'd (one-line bodies,
// odd spacing, a `<-` in a comment and in a string). validate sends the
// error and, missing a return, sends the result too; Check receives once.
package main
import ( "errors"
  "strconv"
	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap" )

type verdict struct{ ok bool; err error }

var errBad=errors.New("bad input: expected a <- b")

func validate(s string,out chan verdict){ if _,err:=strconv.Atoi(s);err!=nil{ out<-verdict{err:errBad} } /* missing return: second <- below */
  out <- verdict{ok:true} }

func Check(s string)error{ out:=make(chan verdict); go validate(s,out)
	v:=<-out; return v.err }

func main(){ snap.Start(); pool,daemon:=bg.Start(3)
	for k:=1;k<=3;k++{
		for i:=0;i<20;i++{ s:=strconv.Itoa(i); if i%2==0{ s="x"+s }
			if err:=Check(s);err!=nil{ pool.Do(func(){}) } }
		snap.Settle(); snap.Goroutines(k) }
	daemon.Stop(); pool.Stop()
	snap.Finish("double-send--not-gofmt") }
