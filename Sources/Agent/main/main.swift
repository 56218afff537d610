print("apiary-agent")
