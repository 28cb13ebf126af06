# lvsctl's -Lc --templates (cli/templates.go) is read before ipvsadm's
# grammar only under the name lvsctl: ipvsadm refuses it as Debian's does.
run ipvsadm -Lc --templates
run ipvsadm -Lcn --templates
run ipvsadm --templates -Lc
run ipvsadm -L -c --templates -n
