run ipvsadm -Lc
run ipvsadm -Lcn
run ipvsadm -L -c -n --persistent-conn
run ipvsadm -L -c --exact
run ipvsadm -L -c --nosort
