echo beta
