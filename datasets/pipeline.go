package datasets

import "runtime"

// inOrder runs the batches of a file through several goroutines and hands them back in
// file order. fill, on a goroutine of its own, fills each batch from the input and
// reports whether it was the last; work, on GOMAXPROCS goroutines, processes it; seq, if
// not nil, takes the batches in the order fill filled them, on a goroutine of its own;
// then deliver takes them in that order on the calling goroutine. At most a few batches
// are in flight, so memory stays bounded however long the file, and a delivered batch
// goes back to fill to be filled again. A batch belongs to one of them at a time: none
// may touch a batch after it returns it.
//
// first is the file's first batch, already filled; when it is the last, it is processed
// and delivered on the calling goroutine: goroutines would cost a small file more than
// its processing.
func inOrder[B any](first *B, last bool, fill func(b *B) (last bool), work, seq, deliver func(b *B)) {
	if last {
		work(first)
		if seq != nil {
			seq(first)
		}
		deliver(first)
		return
	}
	type job struct {
		b    *B
		done chan struct{}
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	todo := make(chan job, workers)
	// ordered holds the batches in file order; its capacity bounds how far fill runs
	// ahead of deliver, and so the memory held.
	ordered := make(chan job, 2*workers+2)
	free := make(chan *B, 2*workers+4) // delivered batches, for fill to reuse
	go func() {
		defer close(todo)
		defer close(ordered)
		b, last := first, false
		for {
			j := job{b, make(chan struct{})}
			ordered <- j
			todo <- j
			if last {
				return
			}
			select {
			case b = <-free:
			default:
				b = new(B)
			}
			last = fill(b)
		}
	}()
	for w := 0; w < workers; w++ {
		go func() {
			for j := range todo {
				work(j.b)
				close(j.done)
			}
		}()
	}
	delivered := ordered
	if seq != nil {
		delivered = make(chan job, 2)
		go func() {
			defer close(delivered)
			for j := range ordered {
				<-j.done
				seq(j.b)
				delivered <- j
			}
		}()
	}
	for j := range delivered {
		<-j.done
		deliver(j.b)
		select {
		case free <- j.b:
		default:
		}
	}
}
