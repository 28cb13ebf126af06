module github.com/lvsctl/lvsctl

go 1.26.8
