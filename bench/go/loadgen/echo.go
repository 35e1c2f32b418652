package main

import (
	"context"
	"io"
	"io/ioutil"
	"net"
	"os"

	pb "go.etcd.io/etcd/etcdserver/etcdserverpb"
	"google.golang.org/grpc"
)

// echoKV answers every KV call at once with an empty response: the no-op server that the
// generator's ceiling and the loopback round trip are measured against.
type echoKV struct{}

func (echoKV) Range(context.Context, *pb.RangeRequest) (*pb.RangeResponse, error) {
	return &pb.RangeResponse{}, nil
}
func (echoKV) Put(context.Context, *pb.PutRequest) (*pb.PutResponse, error) {
	return &pb.PutResponse{}, nil
}
func (echoKV) DeleteRange(context.Context, *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error) {
	return &pb.DeleteRangeResponse{}, nil
}
func (echoKV) Txn(context.Context, *pb.TxnRequest) (*pb.TxnResponse, error) {
	return &pb.TxnResponse{}, nil
}
func (echoKV) Compact(context.Context, *pb.CompactionRequest) (*pb.CompactionResponse, error) {
	return &pb.CompactionResponse{}, nil
}

// serveEcho listens on a free loopback port, says where, and serves until stdin closes (the
// harness going away ends it).
func serveEcho() error {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	server := grpc.NewServer()
	pb.RegisterKVServer(server, echoKV{})
	say(map[string]string{"type": "listening", "endpoint": lis.Addr().String()})
	go func() {
		io.Copy(ioutil.Discard, os.Stdin)
		server.Stop()
	}()
	return server.Serve(lis)
}
