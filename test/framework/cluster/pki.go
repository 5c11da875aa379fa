/*
Copyright 2026 The wfe-conditions Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package cluster

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// identity is a client or serving certificate of the node's PKI.
type identity struct {
	name   string // file name stem
	cn     string
	org    []string
	server bool
}

// clientIdentities are the components that reach the apiserver with a
// certificate, each with a kubeconfig of the same name.
var clientIdentities = []identity{
	{name: "admin", cn: "admin", org: []string{"system:masters"}},
	{name: "kubelet", cn: "system:node:" + NodeName, org: []string{"system:nodes"}},
	{name: "kube-proxy", cn: "system:kube-proxy"},
	{name: "kube-controller-manager", cn: "system:kube-controller-manager"},
	{name: "kube-scheduler", cn: "system:kube-scheduler"},
}

// writePKI writes a CA, the apiserver's and kubelet's serving certificates,
// the apiserver's kubelet client, the ServiceAccount signing key and one
// kubeconfig per client identity into dir. Keys are ECDSA P-256: fast to make.
func writePKI(dir, nodeIP string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ca, caKey, err := writeCA(dir)
	if err != nil {
		return err
	}
	ip := net.ParseIP(nodeIP)
	serving := []struct {
		id    identity
		ips   []net.IP
		names []string
	}{
		{identity{name: "apiserver", cn: "kube-apiserver", server: true},
			[]net.IP{net.ParseIP("127.0.0.1"), ip, net.ParseIP(kubernetesServiceIP)},
			[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}},
		{identity{name: "kubelet-serving", cn: NodeName, server: true}, []net.IP{ip, net.ParseIP("127.0.0.1")}, []string{NodeName}},
	}
	for i, s := range serving {
		if err := issue(dir, s.id, s.ips, s.names, ca, caKey, int64(10+i)); err != nil {
			return err
		}
	}
	clients := append([]identity{{name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", org: []string{"system:masters"}}}, clientIdentities...)
	for i, id := range clients {
		if err := issue(dir, id, nil, nil, ca, caKey, int64(100+i)); err != nil {
			return err
		}
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	if err := writeKey(filepath.Join(dir, "sa.key"), saKey); err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600); err != nil {
		return err
	}
	for _, id := range clientIdentities {
		if err := writeKubeconfig(dir, id.name, "https://"+net.JoinHostPort(nodeIP, "6443")); err != nil {
			return err
		}
	}
	return nil
}

// writeCA makes the node's CA and writes ca.{crt,key}.
func writeCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wfe-node-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return ca, key, writePair(dir, "ca", der, key)
}

// issue signs a certificate for id with the CA and writes id.name.{crt,key}.
func issue(dir string, id identity, ips []net.IP, names []string, ca *x509.Certificate, caKey crypto.Signer, serial int64) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: id.cn, Organization: id.org},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		IPAddresses: ips, DNSNames: names,
	}
	if id.server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("sign %s: %w", id.name, err)
	}
	return writePair(dir, id.name, der, key)
}

func writePair(dir, name string, der []byte, key *ecdsa.PrivateKey) error {
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), crt, 0o600); err != nil {
		return err
	}
	return writeKey(filepath.Join(dir, name+".key"), key)
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

// writeKubeconfig writes dir/name.kubeconfig for the certificate name.crt.
func writeKubeconfig(dir, name, server string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["node"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: filepath.Join(dir, "ca.crt")}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{
		ClientCertificate: filepath.Join(dir, name+".crt"), ClientKey: filepath.Join(dir, name+".key"),
	}
	cfg.Contexts["node"] = &clientcmdapi.Context{Cluster: "node", AuthInfo: name}
	cfg.CurrentContext = "node"
	return clientcmd.WriteToFile(*cfg, filepath.Join(dir, name+".kubeconfig"))
}
