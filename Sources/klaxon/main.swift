print("klaxon")
