// Command lossyrelay is the fault injector behind lost-clienthello.pcap: a TCP relay on
// loopback that forwards a client's first bytes to the server in three segments and
// marks the middle one with IP TOS (or IPv6 traffic class) 0x28, so that a capture
// filter dropping that mark loses exactly that segment, as a capture that drops a packet
// would. The connection itself is whole: the server gets every byte.
//
//	go run ./datasets/capture/testdata/lossyrelay LISTEN UPSTREAM
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: lossyrelay LISTEN UPSTREAM")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		go relay(c.(*net.TCPConn), os.Args[2])
	}
}

func relay(c *net.TCPConn, upstream string) {
	defer c.Close()
	u, err := net.Dial("tcp", upstream)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer u.Close()
	up := u.(*net.TCPConn)
	buf := make([]byte, 64<<10)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	c.SetReadDeadline(time.Time{})
	first := buf[:n]
	a, b := n/3, 2*n/3
	for i, part := range [][]byte{first[:a], first[a:b], first[b:]} {
		mark := 0
		if i == 1 {
			mark = 0x28
		}
		if err := setMark(up, mark); err != nil {
			fmt.Fprintln(os.Stderr, "mark:", err)
			return
		}
		if _, err := up.Write(part); err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond) // one segment per write
	}
	go io.Copy(up, c)
	io.Copy(c, up)
}

func setMark(c *net.TCPConn, tos int) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	v6 := c.RemoteAddr().(*net.TCPAddr).IP.To4() == nil
	var serr error
	err = raw.Control(func(fd uintptr) {
		if v6 {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_TCLASS, tos)
		} else {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TOS, tos)
		}
	})
	if err != nil {
		return err
	}
	return serr
}
