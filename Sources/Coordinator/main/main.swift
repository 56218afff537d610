print("apiary-coordinator")
